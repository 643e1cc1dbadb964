//! The layer as a whole: matching (RFC 3261 §17.1.3, §17.2.3 with the RFC 2543 fallback),
//! CANCEL (§9.2), transport errors (§17.1.4, §17.2.4, RFC 6026 §8.8), API misuse, and many
//! transactions running to completion with nothing left behind.

use super::super::{TransactionError, build_cancel};
use super::*;

#[test]
fn invite_for_cancel_finds_the_invite_server_transaction() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKx1");
    h.receive(invite.clone(), udp());
    let invite_id = h.last_server_id();
    let cancel = build_cancel(&invite);
    // §9.2: the CANCEL is a transaction of its own, passed to the TU.
    h.receive(cancel.clone(), udp());
    let cancel_id = h.last_server_id();
    assert_ne!(cancel_id, invite_id);
    assert_eq!(h.layer.invite_for_cancel(&cancel), Some(invite_id));
    // Another branch, or another sent-by, targets nothing.
    let stranger = build_cancel(&request("INVITE", "z9hG4bKx2"));
    assert_eq!(h.layer.invite_for_cancel(&stranger), None);
    let mut elsewhere = cancel.clone();
    elsewhere.headers.set(
        crate::sip::HeaderName::Via,
        "SIP/2.0/UDP 192.0.2.99:5060;branch=z9hG4bKx1",
    );
    assert_eq!(h.layer.invite_for_cancel(&elsewhere), None);
    // The UAS answers both (§9.2) and everything ends.
    h.answer(cancel_id, response_to(&cancel, 200, "t1"));
    h.answer(invite_id, response_to(&invite, 487, "t1"));
    h.receive(request_with("ACK", "z9hG4bKx1", 1, "t1"), udp());
    h.run_to_end();
    assert!(h.layer.is_empty());
    // A CANCEL for a non-INVITE transaction finds no INVITE.
    let options = request("OPTIONS", "z9hG4bKx3");
    h.receive(options.clone(), udp());
    assert_eq!(h.layer.invite_for_cancel(&build_cancel(&options)), None);
}

#[test]
fn rfc2543_requests_are_matched_by_their_headers() {
    let mut h = Harness::new();
    // No magic cookie: §17.2.3 backwards-compatible matching.
    let invite = request("INVITE", "old1");
    h.receive(invite.clone(), udp());
    let id = h.last_server_id();
    h.receive(invite.clone(), udp());
    assert_eq!(
        h.take_events().len(),
        1,
        "the retransmission is no new request"
    );
    h.answer(id, response_to(&invite, 486, "t9"));
    h.receive(invite.clone(), udp());
    let statuses: Vec<_> = h
        .take_transmits()
        .iter()
        .map(|(_, t)| status_of(t))
        .collect();
    assert_eq!(statuses, vec![Some(100), Some(486), Some(486)]);
    // An ACK with another To tag is not for this transaction.
    h.receive(request_with("ACK", "old1", 1, "other"), udp());
    assert!(matches!(
        &h.take_events()[..],
        [(_, TransactionEvent::Ack { .. })]
    ));
    // The ACK carrying the response's To tag is absorbed (Confirmed).
    h.receive(request_with("ACK", "old1", 1, "t9"), udp());
    assert!(h.take_events().is_empty());
    // A request differing in CSeq is a new transaction.
    h.receive(request_with("INVITE", "old1", 2, ""), udp());
    assert_ne!(h.last_server_id(), id);
    // Non-INVITE: a retransmission is answered with the last response.
    let options = request("OPTIONS", "old2");
    h.receive(options.clone(), udp());
    let options_id = h.last_server_id();
    h.answer(options_id, response_to(&options, 200, "t1"));
    h.receive(options, udp());
    assert_eq!(h.take_transmits().len(), 2);
    assert_eq!(h.layer.invite_for_cancel(&build_cancel(&invite)), Some(id));
    h.run_to_end();
    assert!(h.layer.is_empty());
}

#[test]
fn transport_errors_end_clients_and_are_reported_by_servers() {
    let mut h = Harness::new();
    let client = h.send(request("INVITE", "z9hG4bKt1"), udp());
    h.layer.handle_transport_error(h.now, client);
    h.drain();
    assert_eq!(
        h.take_events(),
        vec![
            (ms(0), TransactionEvent::TransportError { id: client }),
            (ms(0), TransactionEvent::Terminated { id: client }),
        ]
    );
    // RFC 6026 §8.8: the server transaction stays, absorbing retransmissions.
    let options = request("OPTIONS", "z9hG4bKt2");
    h.receive(options.clone(), udp());
    let server = h.last_server_id();
    h.answer(server, response_to(&options, 200, "t1"));
    h.take_events();
    h.layer.handle_transport_error(h.now, server);
    h.drain();
    assert_eq!(
        h.take_events(),
        vec![(ms(0), TransactionEvent::TransportError { id: server })]
    );
    assert_eq!(h.layer.len(), 1);
    h.receive(options, udp());
    assert!(h.take_events().is_empty());
    // Unknown ids are ignored.
    h.layer.handle_transport_error(h.now, client);
    h.run_to_end();
    assert!(h.layer.is_empty());
}

#[test]
fn misuse_is_an_error() {
    let mut h = Harness::new();
    let now = h.now;
    let layer = &mut h.layer;
    let ack = request("ACK", "z9hG4bKm1");
    assert_eq!(
        layer.send_request(now, ack, udp()),
        Err(TransactionError::AckNotAllowed)
    );
    let legacy = request("OPTIONS", "nocookie");
    assert_eq!(
        layer.send_request(now, legacy, udp()),
        Err(TransactionError::MissingBranch)
    );
    let mut no_via = request("OPTIONS", "z9hG4bKm2");
    no_via.headers.remove(&crate::sip::HeaderName::Via);
    assert_eq!(
        layer.send_request(now, no_via, udp()),
        Err(TransactionError::MissingBranch)
    );
    let options = request("OPTIONS", "z9hG4bKm3");
    let id = layer.send_request(now, options.clone(), udp()).unwrap();
    assert_eq!(
        layer.send_request(now, options.clone(), udp()),
        Err(TransactionError::DuplicateTransaction)
    );
    let response = response_to(&options, 200, "t");
    assert_eq!(
        layer.send_response(now, id, response.clone()),
        Err(TransactionError::NotServerTransaction(id))
    );
    let unknown = super::super::TransactionId(999);
    assert_eq!(
        layer.send_response(now, unknown, response),
        Err(TransactionError::UnknownTransaction(unknown))
    );
    // Misuse sent nothing and emitted nothing beyond the one request.
    h.drain();
    assert_eq!(h.take_transmits().len(), 1);
    assert!(h.take_events().is_empty());
}

#[test]
fn stray_and_unmatchable_messages() {
    let mut h = Harness::new();
    // A response for no transaction goes up as stray.
    let options = request("OPTIONS", "z9hG4bKn1");
    h.receive(response_to(&options, 200, "t"), udp());
    assert!(
        matches!(&h.take_events()[..], [(_, TransactionEvent::StrayResponse { peer, .. })]
        if *peer == udp())
    );
    // A request without Via cannot be matched or answered: dropped.
    let mut no_via = request("OPTIONS", "z9hG4bKn2");
    no_via.headers.remove(&crate::sip::HeaderName::Via);
    h.receive(no_via, udp());
    assert!(h.take_events().is_empty());
    assert!(h.layer.is_empty());
    // Spurious timeouts are harmless.
    h.layer.handle_timeout(h.now);
    h.layer.handle_timeout(h.now + secs(1000));
    h.drain();
    assert!(h.take_events().is_empty() && h.take_transmits().is_empty());
}

#[test]
fn many_transactions_run_to_completion_and_nothing_leaks() {
    let mut h = Harness::new();
    let mut ids = Vec::new();
    for i in 0..200u32 {
        let branch = format!("z9hG4bKmany{i}");
        let transport = if i % 3 == 0 { tcp() } else { udp() };
        let method = if i % 2 == 0 { "INVITE" } else { "MESSAGE" };
        let req = request(method, &branch);
        match i % 5 {
            // Client, answered with a final response after a while.
            0 | 1 => {
                ids.push(h.send(req.clone(), transport));
                h.run_until(h.elapsed() + ms(u64::from(i)));
                let status = if i % 4 == 0 { 200 } else { 486 };
                h.receive(response_to(&req, status, "t"), transport);
            }
            // Client, never answered (Timer B or F).
            2 => ids.push(h.send(req, transport)),
            // Server, answered.
            3 => {
                h.receive(req.clone(), transport);
                let id = h.last_server_id();
                ids.push(id);
                h.answer(id, response_to(&req, 603, "t"));
                if method == "INVITE" && i % 2 == 0 {
                    h.receive(request_with("ACK", &branch, 1, "t"), transport);
                }
            }
            // Server, never answered (the guard).
            _ => {
                h.receive(req, transport);
                ids.push(h.last_server_id());
            }
        }
    }
    assert!(!h.layer.is_empty());
    h.run_to_end();
    assert_eq!(h.layer.len(), 0);
    assert_eq!(h.layer.poll_timeout(), None);
    let terminated: Vec<TransactionId> = h
        .take_events()
        .into_iter()
        .filter_map(|(_, e)| match e {
            TransactionEvent::Terminated { id } => Some(id),
            _ => None,
        })
        .collect();
    let mut sorted = terminated.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), terminated.len(), "each terminates once");
    ids.sort();
    assert_eq!(sorted, ids);
}
