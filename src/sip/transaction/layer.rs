//! [`TransactionLayer`]: owns every live transaction, routes messages to them (RFC 3261
//! §17.1.3, §17.2.3, §18.1.2, §18.2.1 as amended by RFC 6026 §8.9, §8.10), runs their timers
//! from one deadline index, and removes a transaction the moment it terminates (§17.1.1.2,
//! §17.2.1: "destroyed immediately").

use super::client::{InviteClient, NonInviteClient};
use super::key::{ClientKey, LegacyKey, ServerKey, ServerMatch, tags_equal};
use super::route::{response_peer, stamp_received};
use super::server::{InviteServer, NonInviteServer};
use super::timers::{TimerKind, Timers};
use super::{
    Cx, Outputs, Peer, TimerConfig, TransactionError, TransactionEvent, TransactionId, Transmit,
};
use crate::sip::message::{Message, Request, Response};
use crate::sip::method::Method;
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

/// Timer firings handled for one transaction in one go; a bound so that no configuration can
/// make a timer re-fire forever at the same instant.
const MAX_FIRINGS: usize = 64;

/// The four kinds of transaction.
#[derive(Debug)]
enum Machine {
    InviteClient(InviteClient),
    NonInviteClient(NonInviteClient),
    InviteServer(InviteServer),
    NonInviteServer(NonInviteServer),
}

impl Machine {
    /// Where a client transaction sends its request; `None` for server transactions.
    fn client_peer(&self) -> Option<Peer> {
        match self {
            Machine::InviteClient(t) => Some(t.peer()),
            Machine::NonInviteClient(t) => Some(t.peer()),
            _ => None,
        }
    }

    fn on_timer(&mut self, kind: TimerKind, cx: &mut Cx) {
        match self {
            Machine::InviteClient(t) => t.on_timer(kind, cx),
            Machine::NonInviteClient(t) => t.on_timer(kind, cx),
            Machine::InviteServer(t) => t.on_timer(kind, cx),
            Machine::NonInviteServer(t) => t.on_timer(kind, cx),
        }
    }

    fn on_transport_error(&mut self, cx: &mut Cx) {
        match self {
            Machine::InviteClient(t) => t.on_transport_error(cx),
            Machine::NonInviteClient(t) => t.on_transport_error(cx),
            Machine::InviteServer(t) => t.on_transport_error(cx),
            Machine::NonInviteServer(t) => t.on_transport_error(cx),
        }
    }

    fn is_terminated(&self) -> bool {
        match self {
            Machine::InviteClient(t) => t.is_terminated(),
            Machine::NonInviteClient(t) => t.is_terminated(),
            Machine::InviteServer(t) => t.is_terminated(),
            Machine::NonInviteServer(t) => t.is_terminated(),
        }
    }

    fn timers(&self) -> &Timers {
        match self {
            Machine::InviteClient(t) => t.timers(),
            Machine::NonInviteClient(t) => t.timers(),
            Machine::InviteServer(t) => t.timers(),
            Machine::NonInviteServer(t) => t.timers(),
        }
    }

    fn timers_mut(&mut self) -> &mut Timers {
        match self {
            Machine::InviteClient(t) => t.timers_mut(),
            Machine::NonInviteClient(t) => t.timers_mut(),
            Machine::InviteServer(t) => t.timers_mut(),
            Machine::NonInviteServer(t) => t.timers_mut(),
        }
    }
}

/// How a transaction is found, kept to unregister it.
#[derive(Debug)]
enum Index {
    Client(ClientKey),
    Server(ServerKey),
    Legacy,
}

#[derive(Debug)]
struct Slot {
    machine: Machine,
    index: Index,
    /// The deadline this transaction has in [`TransactionLayer::deadlines`].
    scheduled: Option<Instant>,
}

/// The SIP transaction layer (RFC 3261 §17, RFC 6026): every client and server transaction
/// of one endpoint, driven sans-IO (see the [module docs](super)).
#[derive(Debug)]
pub struct TransactionLayer {
    config: TimerConfig,
    next_id: u64,
    slots: HashMap<TransactionId, Slot>,
    client_index: HashMap<ClientKey, TransactionId>,
    server_index: HashMap<ServerKey, TransactionId>,
    /// RFC 2543 server transactions, matched by comparing headers (rare, so a list).
    legacy_index: Vec<(LegacyKey, TransactionId)>,
    deadlines: BTreeSet<(Instant, TransactionId)>,
    out: Outputs,
}

impl TransactionLayer {
    /// A layer with no transactions. T1 below 1 ms is raised to 1 ms and T2 to at least T1.
    pub fn new(config: TimerConfig) -> Self {
        TransactionLayer {
            config: config.sanitized(),
            next_id: 1,
            slots: HashMap::new(),
            client_index: HashMap::new(),
            server_index: HashMap::new(),
            legacy_index: Vec::new(),
            deadlines: BTreeSet::new(),
            out: Outputs::default(),
        }
    }

    /// Starts a client transaction for `request` to `peer` (RFC 3261 §17.1) and queues the
    /// request. The request must carry a top Via with an RFC 3261 branch (`z9hG4bK...`,
    /// chosen by the caller, unique per transaction, §8.1.1.7) and a CSeq with its method.
    /// ACK is refused: the ACK for a 2xx goes through [`TransactionLayer::send_stateless`].
    /// Sending a CANCEL starts the §9.1 guard on the INVITE it cancels (module docs).
    pub fn send_request(
        &mut self,
        now: Instant,
        request: Request,
        peer: Peer,
    ) -> Result<TransactionId, TransactionError> {
        if request.method == Method::Ack {
            return Err(TransactionError::AckNotAllowed);
        }
        let key = ClientKey::for_request(&request)?;
        if self.client_index.contains_key(&key) {
            return Err(TransactionError::DuplicateTransaction);
        }
        let id = self.mint();
        let is_cancel = request.method == Method::Cancel;
        let mut cx = Cx {
            now,
            config: &self.config,
            out: &mut self.out,
        };
        let machine = if request.method == Method::Invite {
            Machine::InviteClient(InviteClient::start(id, request, peer, &mut cx))
        } else {
            Machine::NonInviteClient(NonInviteClient::start(id, request, peer, &mut cx))
        };
        self.client_index.insert(key.clone(), id);
        self.insert(id, machine, Index::Client(key.clone()), now);
        if is_cancel {
            self.start_cancel_guard(&key, now);
        }
        Ok(id)
    }

    /// RFC 3261 §9.1: the INVITE client transaction a CANCEL (same branch) targets gives up
    /// 64*T1 later if no final response came.
    fn start_cancel_guard(&mut self, cancel: &ClientKey, now: Instant) {
        let Some(&invite) = self.client_index.get(&cancel.with_method(Method::Invite)) else {
            return;
        };
        if let Some(Machine::InviteClient(t)) = self.slots.get_mut(&invite).map(|s| &mut s.machine)
        {
            let mut cx = Cx {
                now,
                config: &self.config,
                out: &mut self.out,
            };
            t.on_cancel_sent(&mut cx);
        }
        self.settle(invite, now);
    }

    /// Queues `request` for `peer` outside any transaction (the ACK for a 2xx, §13.2.2.4).
    pub fn send_stateless(&mut self, request: Request, peer: Peer) {
        self.out.transmit(peer, request);
    }

    /// Sends `response` through server transaction `id` (RFC 3261 §17.2.1, §17.2.2).
    /// `Err` when `id` is unknown or terminated, names a client transaction, or the
    /// transaction's state does not take this response (it is then discarded).
    pub fn send_response(
        &mut self,
        now: Instant,
        id: TransactionId,
        response: Response,
    ) -> Result<(), TransactionError> {
        let slot = self
            .slots
            .get_mut(&id)
            .ok_or(TransactionError::UnknownTransaction(id))?;
        let mut cx = Cx {
            now,
            config: &self.config,
            out: &mut self.out,
        };
        match &mut slot.machine {
            Machine::InviteServer(t) => t.send_response(response, &mut cx)?,
            Machine::NonInviteServer(t) => t.send_response(response, &mut cx)?,
            _ => return Err(TransactionError::NotServerTransaction(id)),
        }
        self.settle(id, now);
        Ok(())
    }

    /// Feeds a message received from `peer`.
    pub fn handle_message(&mut self, now: Instant, message: Message, peer: Peer) {
        match message {
            Message::Response(response) => self.handle_response(now, response, peer),
            Message::Request(request) => self.handle_request(now, request, peer),
        }
    }

    /// RFC 3261 §17.1.3, §18.1.2: to the matching client transaction, else up as stray.
    fn handle_response(&mut self, now: Instant, response: Response, peer: Peer) {
        let id =
            ClientKey::for_response(&response).and_then(|k| self.client_index.get(&k).copied());
        let Some((id, slot)) = id.and_then(|id| Some((id, self.slots.get_mut(&id)?))) else {
            self.out
                .event(TransactionEvent::StrayResponse { response, peer });
            return;
        };
        let mut cx = Cx {
            now,
            config: &self.config,
            out: &mut self.out,
        };
        match &mut slot.machine {
            Machine::InviteClient(t) => t.on_response(response, &mut cx),
            Machine::NonInviteClient(t) => t.on_response(response, &mut cx),
            _ => {}
        }
        self.settle(id, now);
    }

    /// RFC 3261 §17.2.3, §18.2.1: to the matching server transaction, else a new one (or,
    /// for an ACK, up to the TU).
    fn handle_request(&mut self, now: Instant, mut request: Request, peer: Peer) {
        let is_ack = request.method == Method::Ack;
        let method = if is_ack {
            Method::Invite
        } else {
            request.method.clone()
        };
        // Keys come from the request as sent, before `received` is stamped.
        let Some(key) = ServerMatch::of(&request, method) else {
            return;
        };
        stamp_received(&mut request, peer.addr);
        match self.find_server(&key, is_ack) {
            Some(id) => self.on_server_match(now, id, request, peer),
            None if is_ack => self.out.event(TransactionEvent::Ack { request, peer }),
            None => self.create_server(now, key, request, peer),
        }
    }

    fn find_server(&self, key: &ServerMatch, is_ack: bool) -> Option<TransactionId> {
        match key {
            ServerMatch::Branch(k) => self.server_index.get(k).copied(),
            ServerMatch::Legacy(k) => self
                .legacy_index
                .iter()
                .filter(|(stored, _)| stored.same_except_to_tag(k))
                .find(|(stored, id)| {
                    if !is_ack {
                        return tags_equal(stored.to_tag(), k.to_tag());
                    }
                    match self.slots.get(id).map(|s| &s.machine) {
                        Some(Machine::InviteServer(t)) => {
                            tags_equal(t.ack_to_tag().as_deref(), k.to_tag())
                        }
                        _ => false,
                    }
                })
                .map(|(_, id)| *id),
        }
    }

    fn on_server_match(&mut self, now: Instant, id: TransactionId, request: Request, peer: Peer) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        let mut cx = Cx {
            now,
            config: &self.config,
            out: &mut self.out,
        };
        let is_ack = request.method == Method::Ack;
        let absorbed = match &mut slot.machine {
            Machine::InviteServer(t) if is_ack => t.on_ack(&mut cx),
            Machine::InviteServer(t) => {
                t.on_retransmission(&mut cx);
                true
            }
            Machine::NonInviteServer(t) => {
                t.on_retransmission(&mut cx);
                true
            }
            _ => false,
        };
        if !absorbed && is_ack {
            cx.out.event(TransactionEvent::Ack { request, peer });
        }
        self.settle(id, now);
    }

    fn create_server(&mut self, now: Instant, key: ServerMatch, request: Request, peer: Peer) {
        let id = self.mint();
        let reply_to = response_peer(&request, peer);
        self.out.event(TransactionEvent::Request {
            id,
            request: request.clone(),
            peer,
        });
        let mut cx = Cx {
            now,
            config: &self.config,
            out: &mut self.out,
        };
        let machine = if request.method == Method::Invite {
            Machine::InviteServer(InviteServer::start(id, request, reply_to, &mut cx))
        } else {
            Machine::NonInviteServer(NonInviteServer::start(id, reply_to, &mut cx))
        };
        let index = match key {
            ServerMatch::Branch(k) => {
                self.server_index.insert(k.clone(), id);
                Index::Server(k)
            }
            ServerMatch::Legacy(k) => {
                self.legacy_index.push((*k, id));
                Index::Legacy
            }
        };
        self.insert(id, machine, index, now);
    }

    /// Runs the timers due at `now`. Calls when nothing is due do nothing.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(&(at, id)) = self.deadlines.first() {
            if at > now {
                break;
            }
            self.deadlines.remove(&(at, id));
            if let Some(slot) = self.slots.get_mut(&id) {
                slot.scheduled = None;
            }
            self.settle(id, now);
        }
    }

    /// The transport failed to send a message of transaction `id` (RFC 3261 §17.1.4,
    /// §17.2.4, RFC 6026 §8.8). Unknown ids are ignored.
    pub fn handle_transport_error(&mut self, now: Instant, id: TransactionId) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        let mut cx = Cx {
            now,
            config: &self.config,
            out: &mut self.out,
        };
        slot.machine.on_transport_error(&mut cx);
        self.settle(id, now);
    }

    /// The transport could not reach `peer` (a send failed, RFC 3261 §17.1.4): every client
    /// transaction sending there reports it.
    pub fn handle_unreachable(&mut self, now: Instant, peer: Peer) {
        let ids: Vec<TransactionId> = self
            .slots
            .iter()
            .filter(|(_, slot)| slot.machine.client_peer() == Some(peer))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.handle_transport_error(now, id);
        }
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.transmits.pop_front()
    }

    /// The next event for the TU.
    pub fn poll_event(&mut self) -> Option<TransactionEvent> {
        self.out.events.pop_front()
    }

    /// When [`TransactionLayer::handle_timeout`] next has work.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.deadlines.first().map(|(at, _)| *at)
    }

    /// The INVITE server transaction `cancel` targets (RFC 3261 §9.2): the one the CANCEL
    /// matches under §17.2.3 with its method taken as INVITE.
    pub fn invite_for_cancel(&self, cancel: &Request) -> Option<TransactionId> {
        let key = ServerMatch::of(cancel, Method::Invite)?;
        let id = self.find_server(&key, false)?;
        match self.slots.get(&id)?.machine {
            Machine::InviteServer(_) => Some(id),
            _ => None,
        }
    }

    /// The number of live transactions.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no transaction is live.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn mint(&mut self) -> TransactionId {
        let id = TransactionId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        id
    }

    fn insert(&mut self, id: TransactionId, machine: Machine, index: Index, now: Instant) {
        let slot = Slot {
            machine,
            index,
            scheduled: None,
        };
        self.slots.insert(id, slot);
        self.settle(id, now);
    }

    /// After any input to transaction `id`: fires its timers due at `now` (zero-length
    /// timers on reliable transports end a transaction at once), then removes it if it
    /// terminated or files its next deadline.
    fn settle(&mut self, id: TransactionId, now: Instant) {
        let Some(slot) = self.slots.get_mut(&id) else {
            return;
        };
        let mut cx = Cx {
            now,
            config: &self.config,
            out: &mut self.out,
        };
        for _ in 0..MAX_FIRINGS {
            if slot.machine.is_terminated() {
                break;
            }
            let Some(kind) = slot.machine.timers_mut().pop_due(now) else {
                break;
            };
            slot.machine.on_timer(kind, &mut cx);
        }
        if slot.machine.is_terminated() {
            self.remove(id);
            return;
        }
        let next = slot.machine.timers().next_deadline();
        if next != slot.scheduled {
            if let Some(old) = slot.scheduled {
                self.deadlines.remove(&(old, id));
            }
            if let Some(at) = next {
                self.deadlines.insert((at, id));
            }
            slot.scheduled = next;
        }
    }

    fn remove(&mut self, id: TransactionId) {
        let Some(slot) = self.slots.remove(&id) else {
            return;
        };
        if let Some(at) = slot.scheduled {
            self.deadlines.remove(&(at, id));
        }
        match slot.index {
            Index::Client(k) => {
                self.client_index.remove(&k);
            }
            Index::Server(k) => {
                self.server_index.remove(&k);
            }
            Index::Legacy => self.legacy_index.retain(|(_, i)| *i != id),
        }
        self.out.event(TransactionEvent::Terminated { id });
    }
}
