//! The calls the window knows about, kept up to date from the engine's call events.
//!
//! Pure bookkeeping: the caller passes the time (`now`), nothing here talks to the engine.
//! Which call is shown (the *active* one) is the window's choice; the other live calls are
//! held when the user switches (the app sends the commands).

use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::offer_answer::Negotiated;
use crate::sip::sdp::Direction;
use crate::sip::ua::AccountId;
use std::time::{Duration, Instant};

/// Where a call stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    /// We called; no answer yet.
    Dialing,
    /// We called and the callee's phone rings.
    Ringing,
    /// Someone calls us and waits for our answer.
    Incoming,
    /// We answered; the engine is setting the call up.
    Answering,
    /// The call is up.
    Up,
}

/// One live call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Its id (ours for outgoing calls, the engine's for incoming ones).
    pub id: CallId,
    /// The other party's display name, when known.
    pub name: Option<String>,
    /// The other party's address (a URI, or what was dialled).
    pub address: String,
    /// The account it runs on (`None`: a direct call).
    pub account: Option<AccountId>,
    /// Where it stands.
    pub state: CallState,
    /// We put it on hold.
    pub held_by_us: bool,
    /// The other side put it on hold.
    pub held_by_remote: bool,
    /// When it was answered.
    pub answered_at: Option<Instant>,
    /// The codec we send with, once known.
    pub codec: Option<String>,
    /// DTMF digits the other side sent.
    pub received_digits: String,
    /// We turned the microphone off for it.
    pub muted: bool,
    /// The caller's P2P key, when its TLS connection proved it (incoming calls only).
    pub verified: Option<String>,
    /// Its media is (or will be) encrypted: SRTP keyed over TLS.
    pub encrypted: bool,
    /// How the call sounds, from the engine's latest figures.
    pub quality: Option<Quality>,
}

/// How a call sounds, from its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Quality {
    /// Nothing to notice.
    Good,
    /// Some loss, jitter or delay: audible now and then.
    Fair,
    /// Much loss, jitter or delay: hard to talk.
    Poor,
}

/// Loss (ours or the far end's, percent of packets since the last figures) up to which the
/// call is good, and up to which it is fair: Opus and G.711 with packet loss concealment
/// hide about 1 %, 5 % is clearly audible.
const LOSS_PERCENT: (u8, u8) = (1, 5);
/// Interarrival jitter (ms) up to which the call is good / fair: up to 30 ms a jitter
/// buffer absorbs it unnoticed, beyond 60 ms it drops or delays audio.
const JITTER_MS: (u32, u32) = (30, 60);
/// Round-trip time (ms) up to which the call is good / fair: ITU-T G.114 finds up to 150 ms
/// one way (300 ms round trip) fine for conversation, 600 ms round trip makes people talk
/// over each other.
const RTT_MS: (u32, u32) = (300, 600);

impl Quality {
    /// The worst of what loss, jitter and round-trip time say.
    pub fn of(stats: &crate::engine::CallStats) -> Quality {
        fn grade<T: PartialOrd + Copy>(value: T, (good, fair): (T, T)) -> Quality {
            if value <= good {
                Quality::Good
            } else if value <= fair {
                Quality::Fair
            } else {
                Quality::Poor
            }
        }
        let loss = stats
            .loss_percent
            .max(stats.remote_loss_percent.unwrap_or(0));
        let mut quality = grade(loss, LOSS_PERCENT).max(grade(stats.jitter_ms, JITTER_MS));
        if let Some(rtt) = stats.rtt_ms {
            quality = quality.max(grade(rtt, RTT_MS));
        }
        quality
    }
}

impl Call {
    /// Whether it came in.
    pub fn is_incoming(&self) -> bool {
        self.id.is_incoming()
    }

    /// How long it has been up at `now`.
    pub fn duration(&self, now: Instant) -> Duration {
        self.answered_at
            .map_or(Duration::ZERO, |at| now.saturating_duration_since(at))
    }

    /// The name to show: the display name, else the address.
    pub fn title(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.address)
    }
}

/// What an event did to the list, for the window to react (switch views, tell the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing the window must act on (or an event for an unknown call: ignored).
    None,
    /// A call came in.
    Incoming(CallId),
    /// A call was answered.
    Answered(CallId),
    /// A call ended and was removed.
    Ended {
        /// Who it was with.
        title: String,
        /// It came in (so a decline was ours).
        incoming: bool,
        /// Why it ended.
        reason: EndReason,
    },
}

/// The live calls, oldest first, and the one shown.
#[derive(Debug, Clone, Default)]
pub struct Calls {
    list: Vec<Call>,
    active: Option<CallId>,
    next_id: u64,
}

impl Calls {
    /// Every live call, oldest first.
    pub fn all(&self) -> &[Call] {
        &self.list
    }

    /// The call shown in the call view.
    pub fn active(&self) -> Option<&Call> {
        self.active.and_then(|id| self.get(id))
    }

    /// Shows `id` in the call view.
    pub fn set_active(&mut self, id: CallId) {
        if self.get(id).is_some() {
            self.active = Some(id);
        }
    }

    /// The oldest call still waiting for our answer.
    pub fn ringing(&self) -> Option<&Call> {
        self.list.iter().find(|c| c.state == CallState::Incoming)
    }

    /// Whether any call is up (the duration needs a tick).
    pub fn any_up(&self) -> bool {
        self.list.iter().any(|c| c.state == CallState::Up)
    }

    /// One call.
    pub fn get(&self, id: CallId) -> Option<&Call> {
        self.list.iter().find(|c| c.id == id)
    }

    fn get_mut(&mut self, id: CallId) -> Option<&mut Call> {
        self.list.iter_mut().find(|c| c.id == id)
    }

    /// A fresh id for an outgoing call (below 2^63, never reused in this session).
    pub fn mint_id(&mut self) -> CallId {
        self.next_id = (self.next_id + 1) % CallId::INCOMING;
        CallId(self.next_id)
    }

    /// Records a call we place, and shows it.
    pub fn dialled(&mut self, id: CallId, address: String, account: Option<AccountId>) {
        self.list.push(Call {
            id,
            name: None,
            address,
            account,
            state: CallState::Dialing,
            held_by_us: false,
            held_by_remote: false,
            answered_at: None,
            codec: None,
            received_digits: String::new(),
            muted: false,
            verified: None,
            encrypted: false,
            quality: None,
        });
        self.active = Some(id);
    }

    /// Names the other party (from the contacts).
    pub fn set_name(&mut self, id: CallId, name: String) {
        if let Some(call) = self.get_mut(id) {
            call.name = Some(name);
        }
    }

    /// We answered `id`; it becomes the shown call.
    pub fn answering(&mut self, id: CallId) {
        if let Some(call) = self.get_mut(id) {
            call.state = CallState::Answering;
            self.active = Some(id);
        }
    }

    /// We asked for hold (`true`) or resume; the event confirms it later.
    pub fn set_held(&mut self, id: CallId, held: bool) {
        if let Some(call) = self.get_mut(id) {
            call.held_by_us = held;
        }
    }

    /// We turned the microphone off (`true`) or on again for `id`.
    pub fn set_muted(&mut self, id: CallId, muted: bool) {
        if let Some(call) = self.get_mut(id) {
            call.muted = muted;
        }
    }

    /// The engine's latest figures for `id`: the codec it sends with and how it sounds.
    pub fn stats(&mut self, id: CallId, stats: &crate::engine::CallStats) {
        if let Some(call) = self.get_mut(id) {
            if !stats.codec.is_empty() {
                call.codec = Some(stats.codec.clone());
            }
            call.quality = Some(Quality::of(stats));
        }
    }

    /// Removes a call the engine will not report on any more (a command it refused).
    pub fn forget(&mut self, id: CallId) -> Option<Call> {
        let at = self.list.iter().position(|c| c.id == id)?;
        let call = self.list.remove(at);
        if self.active == Some(id) {
            self.active = self.list.last().map(|c| c.id);
        }
        Some(call)
    }

    /// A DTMF digit arrived on `id`.
    pub fn digit(&mut self, id: CallId, digit: char) {
        if let Some(call) = self.get_mut(id) {
            call.received_digits.push(digit);
        }
    }

    /// Applies one call event from the engine, at `now`.
    pub fn apply(&mut self, id: CallId, event: CallEvent, now: Instant) -> Change {
        if let CallEvent::Incoming {
            account,
            from,
            verified,
            encrypted,
            ..
        } = event
        {
            let name = from
                .display
                .as_ref()
                .map(ToString::to_string)
                .filter(|n| !n.trim().is_empty());
            self.list.push(Call {
                id,
                name,
                address: from.uri.to_string(),
                account,
                state: CallState::Incoming,
                held_by_us: false,
                held_by_remote: false,
                answered_at: None,
                codec: None,
                received_digits: String::new(),
                muted: false,
                verified,
                encrypted,
                quality: None,
            });
            return Change::Incoming(id);
        }
        let Some(call) = self.get_mut(id) else {
            return Change::None;
        };
        match event {
            // SIP INFO digits are routed by the app (see `Calls::digit`) before this.
            CallEvent::Incoming { .. } | CallEvent::Dtmf { .. } => Change::None,
            CallEvent::Ringing | CallEvent::EarlyMedia { .. } => {
                call.state = CallState::Ringing;
                Change::None
            }
            CallEvent::Answered { media } => {
                call.state = CallState::Up;
                call.answered_at.get_or_insert(now);
                update_media(call, &media);
                self.active = Some(id);
                Change::Answered(id)
            }
            CallEvent::MediaUpdated { media } => {
                update_media(call, &media);
                Change::None
            }
            CallEvent::Ended { reason } => match self.forget(id) {
                Some(call) => Change::Ended {
                    title: call.title().to_owned(),
                    incoming: call.is_incoming(),
                    reason,
                },
                None => Change::None,
            },
        }
    }
}

/// Hold state and codec from a negotiated session.
fn update_media(call: &mut Call, media: &Negotiated) {
    let holds = |d: Direction| matches!(d, Direction::SendOnly | Direction::Inactive);
    call.held_by_us = holds(media.local_direction);
    call.held_by_remote = holds(media.remote_direction);
    if let Some(codec) = &media.send_codec {
        call.codec = Some(codec.codec.name.clone());
    }
    if media.is_active() {
        call.encrypted = media.srtp.is_some();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sip::NameAddr;
    use crate::sip::uri::Uri;

    fn incoming(name: Option<&str>) -> CallEvent {
        let mut from = NameAddr::new(Uri::parse("sip:alice@example.com").unwrap());
        from.display = name.map(Into::into);
        let to = NameAddr::new(Uri::parse("sip:bob@example.com").unwrap());
        CallEvent::Incoming {
            account: Some(AccountId(1)),
            from: Box::new(from),
            to: Box::new(to),
            verified: None,
            encrypted: false,
        }
    }

    /// An answered session with audio both ways.
    pub(crate) fn up_media() -> Negotiated {
        Negotiated {
            local_direction: Direction::SendRecv,
            remote_direction: Direction::SendRecv,
            ..Negotiated::none()
        }
    }

    /// SDES keys as an answered SRTP call has them (fixed test bytes).
    pub(crate) fn srtp_keys() -> crate::sip::offer_answer::SrtpKeys {
        use crate::media::srtp::{MASTER_LEN, Suite};
        use crate::sip::offer_answer::{MasterKey, SrtpKeys};
        SrtpKeys {
            suite: Suite::ALL[0],
            local: MasterKey([1; MASTER_LEN]),
            remote: MasterKey([2; MASTER_LEN]),
        }
    }

    #[test]
    fn an_incoming_call_rings_then_is_up_then_ends() {
        let now = Instant::now();
        let mut calls = Calls::default();
        let id = CallId(CallId::INCOMING | 7);
        assert_eq!(
            calls.apply(id, incoming(Some("Alice")), now),
            Change::Incoming(id)
        );
        assert_eq!(calls.ringing().map(Call::title), Some("Alice"));
        calls.answering(id);
        let media = Box::new(up_media());
        assert_eq!(
            calls.apply(id, CallEvent::Answered { media }, now),
            Change::Answered(id)
        );
        assert!(calls.any_up());
        let later = now + Duration::from_secs(65);
        assert_eq!(
            calls.active().unwrap().duration(later),
            Duration::from_secs(65)
        );
        let ended = calls.apply(
            id,
            CallEvent::Ended {
                reason: EndReason::Remote,
            },
            later,
        );
        assert_eq!(
            ended,
            Change::Ended {
                title: "Alice".into(),
                incoming: true,
                reason: EndReason::Remote
            }
        );
        assert!(calls.all().is_empty() && calls.active().is_none());
    }

    #[test]
    fn quality_is_the_worst_of_loss_jitter_and_round_trip() {
        let mut stats = crate::engine::CallStats {
            codec: "PCMU".into(),
            bitrate: 64_000,
            packets_sent: 100,
            packets_received: 100,
            packets_lost: 0,
            loss_percent: 1,
            remote_loss_percent: None,
            jitter_ms: 30,
            buffer_ms: 40,
            rtt_ms: None,
        };
        assert_eq!(
            Quality::of(&stats),
            Quality::Good,
            "the limits are still good"
        );
        stats.loss_percent = 2;
        assert_eq!(Quality::of(&stats), Quality::Fair);
        stats.loss_percent = 0;
        stats.remote_loss_percent = Some(6);
        assert_eq!(
            Quality::of(&stats),
            Quality::Poor,
            "the far end's loss counts"
        );
        stats.remote_loss_percent = Some(0);
        stats.jitter_ms = 61;
        assert_eq!(Quality::of(&stats), Quality::Poor);
        stats.jitter_ms = 10;
        stats.rtt_ms = Some(301);
        assert_eq!(Quality::of(&stats), Quality::Fair);
        stats.rtt_ms = Some(601);
        assert_eq!(Quality::of(&stats), Quality::Poor);
        let mut calls = Calls::default();
        let id = calls.mint_id();
        calls.dialled(id, "sip:bob@example.com".into(), None);
        calls.stats(id, &stats);
        let call = calls.get(id).unwrap();
        assert_eq!(
            (call.codec.as_deref(), call.quality),
            (Some("PCMU"), Some(Quality::Poor))
        );
    }

    #[test]
    fn events_for_unknown_calls_are_ignored_and_ids_stay_below_the_incoming_bit() {
        let mut calls = Calls::default();
        let ended = CallEvent::Ended {
            reason: EndReason::Local,
        };
        assert_eq!(calls.apply(CallId(99), ended, Instant::now()), Change::None);
        let id = calls.mint_id();
        assert!(!id.is_incoming());
        assert_ne!(calls.mint_id(), id);
    }
}
