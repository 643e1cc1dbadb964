//! Server location as an output (STYLE.md habit 4, RFC 3263): the core never resolves a name.
//! A call placed with [`UserAgent::dial_uri`] gets a [`Locator`] for its next hop; the core asks
//! for DNS records with [`UserAgent::poll_resolve`] and the engine answers through
//! [`UserAgent::handle_resolved`]. The first target gets the INVITE; a transport error or a
//! 503 moves the call to the next target (RFC 3263 §4.3).

use super::{AccountId, UaEvent, UserAgent};
use crate::sip::call::{CallEvent, CallId, EndReason};
use crate::sip::locate::{Answer, Locator, Query};
use crate::sip::offer_answer::LocalMedia;
use crate::sip::text::Text;
use crate::sip::transaction::TransportKind;
use crate::sip::uri::{SipUri, Uri};
use std::time::Instant;

/// Identifies one server-location run; answers carry it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LookupId(pub u64);

/// A DNS question for the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveRequest {
    /// Which lookup asks.
    pub lookup: LookupId,
    /// What to look up.
    pub query: Query,
}

/// The registrar lookup of one account.
#[derive(Debug)]
pub(super) struct AccountLookup {
    pub(super) account: AccountId,
    locator: Locator,
}

/// A call waiting for its first target.
#[derive(Debug)]
pub(super) struct PendingDial {
    call: CallId,
    account: Option<AccountId>,
    target: Uri,
    media: LocalMedia,
}

#[derive(Debug)]
pub(super) struct Lookup {
    locator: Locator,
    /// The dial waiting for a first target; `None` once the call is placed (the lookup then
    /// only serves failover).
    pending: Option<PendingDial>,
    call: CallId,
    /// The call waits for the next target; ends with this reason if there is none.
    failover: Option<EndReason>,
}

impl UserAgent {
    /// Calls `target`, locating the next hop (the account's outbound proxy, else the target)
    /// per RFC 3263 through [`UserAgent::poll_resolve`].
    pub fn dial_uri(
        &mut self,
        now: Instant,
        call: CallId,
        account: Option<AccountId>,
        target: Uri,
        media: LocalMedia,
    ) -> Result<(), super::CallError> {
        self.dial_uri_over(now, call, account, target, media, None)
    }

    /// [`UserAgent::dial_uri`] over `transport` only, when given: the next hop is located as
    /// if its URI said `;transport=...` (RFC 3263 §4.1), while the Request-URI and To stay
    /// as the caller wrote them.
    pub fn dial_uri_over(
        &mut self,
        now: Instant,
        call: CallId,
        account: Option<AccountId>,
        target: Uri,
        media: LocalMedia,
        transport: Option<TransportKind>,
    ) -> Result<(), super::CallError> {
        if self.calls.contains_key(&call) || self.lookups.values().any(|l| l.call == call) {
            return Err(super::CallError::DuplicateCall(call));
        }
        let proxy = account
            .and_then(|a| self.account_configs.get(&a))
            .and_then(|c| c.outbound_proxy.clone());
        let next_hop: SipUri = match (proxy, target.as_sip()) {
            (Some(p), _) => p,
            (None, Some(t)) => t.clone(),
            (None, None) => return Err(super::CallError::WrongState(call)),
        };
        let mut next_hop = next_hop;
        if let Some(transport) = transport {
            let name = match transport {
                TransportKind::Udp => "udp",
                TransportKind::Tcp => "tcp",
                TransportKind::Tls => "tls",
            };
            next_hop.params.set("transport", Some(Text::from(name)));
        }
        let supported: Vec<_> = self.config.local.iter().map(|(t, _)| *t).collect();
        let id = LookupId(self.next_lookup);
        self.next_lookup += 1;
        let lookup = Lookup {
            locator: Locator::new(&next_hop, &supported),
            pending: Some(PendingDial {
                call,
                account,
                target,
                media,
            }),
            call,
            failover: None,
        };
        self.lookups.insert(id, lookup);
        self.pump_lookup(now, id);
        Ok(())
    }

    /// The next DNS question for the engine.
    pub fn poll_resolve(&mut self) -> Option<ResolveRequest> {
        self.resolves.pop_front()
    }

    /// The engine's answer to a question from [`UserAgent::poll_resolve`].
    pub fn handle_resolved(
        &mut self,
        now: Instant,
        lookup: LookupId,
        query: &Query,
        answer: Answer,
    ) {
        if let Some(l) = self.account_lookups.get_mut(&lookup) {
            if let Err(e) = l.locator.handle_answer(query, answer, &mut self.rng) {
                let message = format!("ignored a DNS answer: {e}");
                self.events.push_back(UaEvent::Warning { message });
            }
            return self.pump_account_lookup(now, lookup);
        }
        let Some(l) = self.lookups.get_mut(&lookup) else {
            return;
        };
        if let Err(e) = l.locator.handle_answer(query, answer, &mut self.rng) {
            let message = format!("ignored a DNS answer: {e}");
            self.events.push_back(UaEvent::Warning { message });
            return;
        }
        self.pump_lookup(now, lookup);
    }

    /// Moves a lookup on: queues its questions and hands out a target when one is wanted.
    fn pump_lookup(&mut self, now: Instant, id: LookupId) {
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        if l.pending.is_none() && l.failover.is_none() {
            return; // nobody waits for a target now
        }
        let target = l.locator.poll_target();
        while let Some(query) = l.locator.poll_query() {
            self.resolves
                .push_back(ResolveRequest { lookup: id, query });
        }
        let Some(l) = self.lookups.get_mut(&id) else {
            return;
        };
        let call = l.call;
        match target {
            Some(peer) => {
                if let Some(p) = l.pending.take() {
                    // The account's outbound proxy carries the whole call (§8.1.2).
                    let proxy = p
                        .account
                        .and_then(|a| self.account_configs.get(&a))
                        .is_some_and(|c| c.outbound_proxy.is_some());
                    if self
                        .place_call(now, p.call, p.account, p.target, peer, p.media, proxy)
                        .is_err()
                    {
                        self.lookups.remove(&id);
                    }
                } else if l.failover.take().is_some() {
                    self.resend_to(now, call, peer);
                }
            }
            None if l.locator.is_exhausted() => {
                let (pending, failover) = (l.pending.take(), l.failover.take());
                self.lookups.remove(&id);
                if pending.is_some() {
                    let reason = "the destination could not be resolved".to_owned();
                    let reason = EndReason::Failed { code: 503, reason };
                    self.call_event(call, CallEvent::Ended { reason });
                } else if let Some(reason) = failover {
                    self.end_call(call, reason);
                }
            }
            None => {} // waiting for the resolver
        }
    }

    /// RFC 3263 §4.3: tries the call's next target, now or once the resolver answers;
    /// `false` when the call has no lookup to fail over with. `reason` ends the call if no
    /// target is left.
    pub(super) fn request_failover(
        &mut self,
        now: Instant,
        call: CallId,
        reason: EndReason,
    ) -> bool {
        let Some(id) = self
            .lookups
            .iter()
            .find(|(_, l)| l.call == call)
            .map(|(id, _)| *id)
        else {
            return false;
        };
        if let Some(l) = self.lookups.get_mut(&id) {
            l.failover = Some(reason);
        }
        self.pump_lookup(now, id);
        true
    }

    /// §8.1.3.4 with §8.1.2: a call redirected to `uri` locates it afresh; the INVITE is
    /// resent (CSeq + 1) to its first target, or the call ends with `reason`.
    pub(super) fn relocate(&mut self, now: Instant, call: CallId, uri: &SipUri, reason: EndReason) {
        self.drop_lookups(call);
        let supported: Vec<_> = self.config.local.iter().map(|(t, _)| *t).collect();
        let id = LookupId(self.next_lookup);
        self.next_lookup += 1;
        let lookup = Lookup {
            locator: Locator::new(uri, &supported),
            pending: None,
            call,
            failover: Some(reason),
        };
        self.lookups.insert(id, lookup);
        self.pump_lookup(now, id);
    }

    /// Forgets the lookups of a call that ended or got an answer.
    pub(super) fn drop_lookups(&mut self, call: CallId) {
        self.lookups.retain(|_, l| l.call != call);
    }
}

impl UserAgent {
    /// Starts locating the account's registrar (its outbound proxy if it has one, else the
    /// registrar URI), unless a lookup already runs.
    pub(super) fn locate_registrar(&mut self, now: Instant, account: AccountId) {
        if self.account_lookups.values().any(|l| l.account == account) {
            return;
        }
        let Some(cfg) = self.account_configs.get(&account) else {
            return;
        };
        let next_hop = cfg
            .outbound_proxy
            .clone()
            .unwrap_or_else(|| cfg.registrar.clone());
        let supported: Vec<_> = self.config.local.iter().map(|(t, _)| *t).collect();
        let id = LookupId(self.next_lookup);
        self.next_lookup += 1;
        let locator = Locator::new(&next_hop, &supported);
        self.account_lookups
            .insert(id, AccountLookup { account, locator });
        self.pump_account_lookup(now, id);
    }

    fn pump_account_lookup(&mut self, now: Instant, id: LookupId) {
        let Some(l) = self.account_lookups.get_mut(&id) else {
            return;
        };
        let target = l.locator.poll_target();
        while let Some(query) = l.locator.poll_query() {
            self.resolves
                .push_back(ResolveRequest { lookup: id, query });
        }
        let Some(l) = self.account_lookups.get(&id) else {
            return;
        };
        let (account, exhausted) = (l.account, l.locator.is_exhausted());
        match target {
            Some(peer) => {
                self.account_lookups.remove(&id);
                let Some(a) = self.accounts.get_mut(&account) else {
                    return;
                };
                a.registrar = Some(peer);
                let queued = std::mem::take(&mut a.queued);
                for r in queued {
                    self.send_tracked(now, super::Owner::Account(account), r, peer);
                }
            }
            None if exhausted => {
                // Nowhere to send it: the REGISTER fails like a transport error would, and
                // the registration retries later with back-off.
                self.account_lookups.remove(&id);
                if let Some(a) = self.accounts.get_mut(&account) {
                    a.queued.clear();
                }
                let message = "the registrar could not be located".to_owned();
                self.events.push_back(UaEvent::Warning { message });
                let failure = crate::sip::registration::TransactionFailure::TransportError;
                self.with_registration(now, account, |r, rng| r.handle_failure(now, failure, rng));
            }
            None => {}
        }
    }

    /// After a failed REGISTER, a located registrar is located again next time (another
    /// SRV target may answer, RFC 3263 §4.3).
    pub(super) fn forget_located_registrar(&mut self, account: AccountId) {
        if let Some(a) = self.accounts.get_mut(&account) {
            if !a.configured {
                a.registrar = None;
            }
        }
    }
}
