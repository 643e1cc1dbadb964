//! Server transactions on virtual time: RFC 3261 §17.2.1 (100 Trying, Timers G, H, I),
//! RFC 6026 §7.1 (Accepted, Timer L) and §17.2.2 (Timer J).

use super::*;
use crate::sip::HeaderName;

/// Receives `req` from the UDP peer and returns the new server transaction.
fn incoming(h: &mut Harness, req: &Request, from: Peer) -> TransactionId {
    h.receive(req.clone(), from);
    h.last_server_id()
}

#[test]
fn invite_sends_100_trying_after_200_ms_unless_answered() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKs1");
    let id = incoming(&mut h, &invite, udp());
    assert!(
        matches!(&h.take_events()[..], [(_, TransactionEvent::Request { request, peer, .. })]
        if *request == invite && *peer == udp())
    );
    h.run_until(secs(1));
    let sent = h.take_transmits();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, ms(200));
    assert_eq!(status_of(&sent[0].1), Some(100));
    let trying = sent[0].1.message.as_response().unwrap();
    assert_eq!(trying.headers.to().unwrap().tag(), None);
    // A retransmitted INVITE gets the 100 again and is not a new request.
    h.receive(invite.clone(), udp());
    assert_eq!(status_of(&h.take_transmits()[0].1), Some(100));
    assert!(h.take_events().is_empty());

    // Answered within 200 ms: no 100.
    let other = request("INVITE", "z9hG4bKs2");
    let other_id = incoming(&mut h, &other, udp());
    h.answer(other_id, response_to(&other, 180, "t1"));
    h.run_until(secs(2));
    let statuses: Vec<_> = h
        .take_transmits()
        .iter()
        .map(|(_, t)| status_of(t))
        .collect();
    assert_eq!(statuses, vec![Some(180)]);

    // Retransmitted before 200 ms: 100 at once.
    let third = request("INVITE", "z9hG4bKs3");
    incoming(&mut h, &third, udp());
    h.receive(third, udp());
    let sent = h.take_transmits();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].0, status_of(&sent[0].1)), (secs(2), Some(100)));
    let _ = id;
}

#[test]
fn invite_non_2xx_is_retransmitted_with_timer_g_until_the_ack() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKg1");
    let id = incoming(&mut h, &invite, udp());
    h.answer(id, response_to(&invite, 180, "t1"));
    h.run_until(secs(1));
    h.answer(id, response_to(&invite, 486, "t1"));
    h.run_until(ms(9000));
    // Sent at 1 s, then T1, 2*T1, 4*T1 later (§17.2.1).
    let times = h.transmit_times();
    assert_eq!(
        times,
        vec![ms(0), ms(1000), ms(1500), ms(2500), ms(4500), ms(8500)]
    );
    // A retransmitted INVITE gets the final response again.
    h.receive(invite.clone(), udp());
    assert_eq!(status_of(&h.take_transmits()[0].1), Some(486));
    // The ACK (same branch) moves to Confirmed: absorbed, retransmissions stop.
    let ack = request_with("ACK", "z9hG4bKg1", 1, "t1");
    h.run_until(ms(10_000));
    h.receive(ack.clone(), udp());
    h.receive(ack, udp()); // a retransmitted ACK is absorbed too
    h.run_until(ms(14_999));
    assert!(h.transmit_times().is_empty());
    let events = h.take_events();
    assert_eq!(events.len(), 1, "only the Request event: {events:?}");
    h.run_to_end();
    // Timer I = T4 after the ACK.
    assert_eq!(
        h.take_events(),
        vec![(secs(15), TransactionEvent::Terminated { id })]
    );
    assert!(h.layer.is_empty());
}

#[test]
fn invite_timer_g_caps_at_t2_and_timer_h_times_out() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKh1");
    let id = incoming(&mut h, &invite, udp());
    h.answer(id, response_to(&invite, 503, "t1"));
    h.run_to_end();
    let expected: Vec<Duration> = [
        0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .into_iter()
    .map(ms)
    .collect();
    assert_eq!(h.transmit_times(), expected);
    let events = h.take_events();
    assert_eq!(
        events[1..],
        [
            (secs(32), TransactionEvent::Timeout { id }),
            (secs(32), TransactionEvent::Terminated { id }),
        ]
    );
    assert!(h.layer.is_empty());
}

#[test]
fn invite_non_2xx_on_tcp_is_sent_once_and_confirmed_ends_at_once() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKh2");
    let id = incoming(&mut h, &invite, tcp());
    h.answer(id, response_to(&invite, 486, "t1"));
    h.run_until(secs(20));
    assert_eq!(h.transmit_times(), vec![ms(0)]);
    h.receive(request_with("ACK", "z9hG4bKh2", 1, "t1"), tcp());
    assert!(h.layer.is_empty(), "Timer I is zero on TCP");
    assert_eq!(
        h.take_events().last(),
        Some(&(secs(20), TransactionEvent::Terminated { id }))
    );
}

#[test]
fn invite_2xx_is_not_retransmitted_by_the_transaction() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKl1");
    let id = incoming(&mut h, &invite, udp());
    h.answer(id, response_to(&invite, 200, "t1"));
    h.run_until(secs(2));
    assert_eq!(
        h.transmit_times(),
        vec![ms(0)],
        "no Timer G for 2xx (RFC 6026 §7.1)"
    );
    // A retransmitted INVITE is absorbed in Accepted: no new request, nothing sent.
    h.receive(invite.clone(), udp());
    assert!(h.transmit_times().is_empty());
    // The TU retransmits the 2xx itself; the transaction sends it.
    h.answer(id, response_to(&invite, 200, "t1"));
    assert_eq!(h.transmit_times(), vec![secs(2)]);
    // A non-2xx after the 2xx is refused.
    let refused = h
        .layer
        .send_response(h.now, id, response_to(&invite, 500, "t1"));
    assert!(refused.is_err());
    // The ACK for the 2xx has its own branch: to the TU.
    h.receive(request_with("ACK", "z9hG4bKother", 1, "t1"), udp());
    // An ACK matching the transaction in Accepted also goes to the TU (RFC 6026 §7.1).
    h.receive(request_with("ACK", "z9hG4bKl1", 1, "t1"), udp());
    let events = h.take_events();
    let acks = events
        .iter()
        .filter(|(_, e)| matches!(e, TransactionEvent::Ack { .. }))
        .count();
    assert_eq!(acks, 2);
    assert_eq!(events.len(), 3, "{events:?}");
    h.run_to_end();
    // Timer L = 64*T1 after the 2xx.
    assert_eq!(
        h.take_events(),
        vec![(secs(32), TransactionEvent::Terminated { id })]
    );
    assert!(h.layer.is_empty());
}

#[test]
fn non_invite_answers_retransmissions_with_the_last_response_then_timer_j() {
    let mut h = Harness::new();
    let options = request("OPTIONS", "z9hG4bKj1");
    let id = incoming(&mut h, &options, udp());
    // Trying: a retransmission is discarded.
    h.receive(options.clone(), udp());
    assert!(h.transmit_times().is_empty());
    h.run_until(secs(1));
    h.answer(id, response_to(&options, 200, "t1"));
    h.run_until(secs(3));
    h.receive(options.clone(), udp());
    let sent = h.take_transmits();
    let statuses: Vec<_> = sent.iter().map(|(t, x)| (*t, status_of(x))).collect();
    assert_eq!(statuses, vec![(secs(1), Some(200)), (secs(3), Some(200))]);
    assert_eq!(sent[0].1.message, sent[1].1.message);
    // A second final response is discarded (§17.2.2).
    assert!(
        h.layer
            .send_response(h.now, id, response_to(&options, 500, "t1"))
            .is_err()
    );
    h.run_to_end();
    let events = h.take_events();
    assert_eq!(events.len(), 2, "Request, then Terminated: {events:?}");
    // Timer J = 64*T1 after the final response.
    assert_eq!(events[1], (secs(33), TransactionEvent::Terminated { id }));
    assert!(h.layer.is_empty());
}

#[test]
fn non_invite_proceeding_resends_the_last_provisional() {
    let mut h = Harness::new();
    let req = request("SUBSCRIBE", "z9hG4bKj2");
    let id = incoming(&mut h, &req, udp());
    h.answer(id, response_to(&req, 100, ""));
    h.receive(req.clone(), udp());
    let statuses: Vec<_> = h
        .take_transmits()
        .iter()
        .map(|(_, t)| status_of(t))
        .collect();
    assert_eq!(statuses, vec![Some(100), Some(100)]);
}

#[test]
fn non_invite_on_tcp_ends_when_the_final_response_is_sent() {
    let mut h = Harness::new();
    let req = request("BYE", "z9hG4bKj3");
    let id = incoming(&mut h, &req, tcp());
    h.answer(id, response_to(&req, 200, "t1"));
    assert!(h.layer.is_empty(), "Timer J is zero on TCP");
    assert_eq!(h.transmit_times(), vec![ms(0)]);
}

#[test]
fn unanswered_server_transactions_are_dropped() {
    let mut h = Harness::new();
    let options = request("OPTIONS", "z9hG4bKu1");
    let options_id = incoming(&mut h, &options, udp());
    let invite = request("INVITE", "z9hG4bKu2");
    let invite_id = incoming(&mut h, &invite, udp());
    h.run_to_end();
    let events = h.take_events();
    assert!(events.contains(&(secs(32), TransactionEvent::Timeout { id: options_id })));
    assert!(events.contains(&(secs(32), TransactionEvent::Terminated { id: options_id })));
    let limit = super::super::INVITE_ANSWER_LIMIT;
    assert!(events.contains(&(limit, TransactionEvent::Timeout { id: invite_id })));
    assert!(events.contains(&(limit, TransactionEvent::Terminated { id: invite_id })));
    assert!(h.layer.is_empty());
    // The TU answering afterwards is told the transaction is gone.
    let late = h
        .layer
        .send_response(h.now, options_id, response_to(&options, 200, "t"));
    assert_eq!(
        late,
        Err(super::super::TransactionError::UnknownTransaction(
            options_id
        ))
    );
}

#[test]
fn responses_go_where_section_18_2_2_says() {
    let mut h = Harness::new();
    // Via says 192.0.2.10:5060 but the request came from another address and port.
    let nat: Peer = Peer {
        transport: TransportKind::Udp,
        addr: "198.51.100.7:34000".parse().unwrap(),
    };
    let req = request("OPTIONS", "z9hG4bKr1");
    let id = incoming(&mut h, &req, nat);
    let events = h.take_events();
    let TransactionEvent::Request { request, .. } = &events[0].1 else {
        panic!("{events:?}");
    };
    let via = request.headers.top_via().unwrap();
    assert_eq!(via.received(), Some("198.51.100.7".parse().unwrap()));
    let mut response = response_to(request, 200, "t1");
    response.headers.push(HeaderName::Server, "tincan");
    h.answer(id, response);
    let sent = h.take_transmits();
    assert_eq!(sent[0].1.peer.addr, "198.51.100.7:5060".parse().unwrap());
}
