//! Client transactions on virtual time: RFC 3261 §17.1.1 (Timers A, B, D, the ACK of
//! §17.1.1.3), §17.1.2 (Timers E, F, K) and RFC 6026 §7.2 (Accepted, Timer M).

use super::*;
use crate::sip::HeaderName;

#[test]
fn invite_timer_a_schedule_on_udp_then_timer_b() {
    let mut h = Harness::new();
    let id = h.send(request("INVITE", "z9hG4bKa1"), udp());
    h.run_to_end();
    // RFC 3261 §17.1.1.2: sent at 0, then T1, 2*T1, 4*T1... until Timer B at 64*T1.
    let expected: Vec<Duration> = [0, 500, 1500, 3500, 7500, 15500, 31500]
        .into_iter()
        .map(ms)
        .collect();
    let transmits = h.take_transmits();
    assert!(
        transmits
            .iter()
            .all(|(_, t)| method_of(t) == Some("INVITE"))
    );
    assert!(transmits.iter().all(|(_, t)| t.peer == udp()));
    assert_eq!(
        transmits.into_iter().map(|(t, _)| t).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(
        h.take_events(),
        vec![
            (secs(32), TransactionEvent::Timeout { id }),
            (secs(32), TransactionEvent::Terminated { id }),
        ]
    );
    assert_eq!(h.layer.len(), 0);
    assert_eq!(h.layer.poll_timeout(), None);
}

#[test]
fn invite_on_tcp_has_no_timer_a_but_timer_b() {
    let mut h = Harness::new();
    let id = h.send(request("INVITE", "z9hG4bKa2"), tcp());
    h.run_to_end();
    assert_eq!(h.transmit_times(), vec![ms(0)]);
    assert_eq!(
        h.take_events(),
        vec![
            (secs(32), TransactionEvent::Timeout { id }),
            (secs(32), TransactionEvent::Terminated { id }),
        ]
    );
    assert!(h.layer.is_empty());
}

#[test]
fn non_invite_timer_e_doubles_capped_at_t2_then_timer_f() {
    let mut h = Harness::new();
    let id = h.send(request("OPTIONS", "z9hG4bKe1"), udp());
    h.run_to_end();
    // RFC 3261 §17.1.2.2: intervals 500 ms, 1 s, 2 s, 4 s, 4 s... Timer F at 64*T1.
    let expected: Vec<Duration> = [
        0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500,
    ]
    .into_iter()
    .map(ms)
    .collect();
    assert_eq!(h.transmit_times(), expected);
    let events = h.take_events();
    assert_eq!(events[0], (secs(32), TransactionEvent::Timeout { id }));
    assert_eq!(events[1], (secs(32), TransactionEvent::Terminated { id }));
    assert_eq!(h.layer.len(), 0);
}

#[test]
fn non_invite_retransmits_every_t2_in_proceeding() {
    let mut h = Harness::new();
    let req = request("REGISTER", "z9hG4bKe2");
    let id = h.send(req.clone(), udp());
    h.run_until(ms(200));
    h.receive(response_to(&req, 100, ""), udp());
    assert!(
        matches!(h.take_events()[..], [(_, TransactionEvent::Response { id: got, .. })] if got == id)
    );
    h.run_until(ms(13_000));
    // The running Timer E fires at 500 ms; from then on it is reset to T2 (§17.1.2.2).
    assert_eq!(
        h.transmit_times(),
        vec![ms(0), ms(500), ms(4500), ms(8500), ms(12500)]
    );
    h.receive(response_to(&req, 200, "b1"), udp());
    h.run_to_end();
    assert!(h.transmit_times().is_empty());
}

#[test]
fn non_invite_final_response_then_timer_k() {
    let mut h = Harness::new();
    let req = request("OPTIONS", "z9hG4bKk1");
    let id = h.send(req.clone(), udp());
    h.run_until(ms(100));
    h.receive(response_to(&req, 200, "b1"), udp());
    h.run_until(ms(600));
    // A retransmitted final response is absorbed in Completed.
    h.receive(response_to(&req, 200, "b1"), udp());
    h.run_to_end();
    let events = h.take_events();
    assert_eq!(events.len(), 2);
    assert!(
        matches!(&events[0], (t, TransactionEvent::Response { id: got, response })
        if *t == ms(100) && *got == id && response.status.as_u16() == 200)
    );
    // RFC 3261 §17.1.2.2: Timer K = T4 on UDP; no retransmission after the response.
    assert_eq!(events[1], (ms(5100), TransactionEvent::Terminated { id }));
    assert_eq!(h.transmit_times(), vec![ms(0)]);
    assert!(h.layer.is_empty());
}

#[test]
fn non_invite_on_tcp_terminates_on_the_final_response() {
    let mut h = Harness::new();
    let req = request("OPTIONS", "z9hG4bKk2");
    let id = h.send(req.clone(), tcp());
    h.receive(response_to(&req, 404, "b1"), tcp());
    // Timer K is zero on reliable transports: gone at once, nothing scheduled.
    assert!(h.layer.is_empty());
    assert_eq!(h.layer.poll_timeout(), None);
    assert_eq!(h.take_events()[1].1, TransactionEvent::Terminated { id });
}

#[test]
fn invite_non_2xx_is_acked_and_reacked_during_timer_d() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKd1");
    let id = h.send(invite.clone(), udp());
    h.run_until(ms(100));
    h.receive(response_to(&invite, 180, "b1"), udp());
    h.run_until(ms(5000));
    assert_eq!(h.transmit_times(), vec![ms(0)], "no Timer A after a 1xx");
    h.receive(response_to(&invite, 486, "b1"), udp());
    let sent = h.take_transmits();
    assert_eq!(sent.len(), 1);
    let (_, ack) = &sent[0];
    assert_eq!(ack.peer, udp());
    let ack = ack.message.as_request().unwrap();
    // RFC 3261 §17.1.1.3.
    assert_eq!(ack.method.as_str(), "ACK");
    assert_eq!(ack.uri, invite.uri);
    assert_eq!(ack.headers.via().unwrap(), invite.headers.via().unwrap());
    assert_eq!(ack.headers.to().unwrap().tag(), Some("b1"));
    assert_eq!(ack.headers.from().unwrap(), invite.headers.from().unwrap());
    assert_eq!(
        ack.headers.call_id().unwrap(),
        invite.headers.call_id().unwrap()
    );
    assert_eq!(ack.headers.cseq().unwrap().to_string(), "1 ACK");
    assert_eq!(
        ack.headers.route().unwrap(),
        invite.headers.route().unwrap()
    );
    let ack = ack.clone();
    h.run_until(secs(10));
    h.receive(response_to(&invite, 486, "b1"), udp());
    let again = h.take_transmits();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1.message, Message::Request(ack));
    h.run_to_end();
    let events = h.take_events();
    let statuses: Vec<u16> = events
        .iter()
        .filter_map(|(_, e)| match e {
            TransactionEvent::Response { response, .. } => Some(response.status.as_u16()),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        vec![180, 486],
        "the retransmission is not passed up"
    );
    // Timer D: 32 s after the 486 arrived at 5 s.
    assert_eq!(
        events.last(),
        Some(&(secs(37), TransactionEvent::Terminated { id }))
    );
    assert_eq!(h.layer.len(), 0);
}

#[test]
fn invite_non_2xx_on_tcp_is_acked_and_terminates_at_once() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKd2");
    let id = h.send(invite.clone(), tcp());
    h.receive(response_to(&invite, 603, "b1"), tcp());
    let sent = h.take_transmits();
    assert_eq!(
        method_of(&sent[1].1),
        Some("ACK"),
        "ACK even on reliable transports"
    );
    assert_eq!(h.take_events()[1].1, TransactionEvent::Terminated { id });
    assert!(h.layer.is_empty());
}

#[test]
fn invite_2xx_enters_accepted_and_passes_every_2xx_until_timer_m() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKm1");
    let id = h.send(invite.clone(), udp());
    h.run_until(ms(700));
    h.receive(response_to(&invite, 200, "b1"), udp());
    h.run_until(secs(2));
    h.receive(response_to(&invite, 200, "b1"), udp()); // retransmission
    h.receive(response_to(&invite, 200, "b2"), udp()); // another fork
    h.receive(response_to(&invite, 180, "b3"), udp()); // late 1xx: absorbed
    // RFC 6026 §7.2: no ACK from the transaction; Timer A stopped.
    assert_eq!(h.transmit_times(), vec![ms(0), ms(500)]);
    h.run_to_end();
    let events = h.take_events();
    let tags: Vec<String> = events
        .iter()
        .filter_map(|(_, e)| match e {
            TransactionEvent::Response { id: got, response } if *got == id => {
                response.headers.to().unwrap().tag().map(str::to_owned)
            }
            _ => None,
        })
        .collect();
    assert_eq!(tags, vec!["b1", "b1", "b2"]);
    assert_eq!(
        events.last(),
        Some(&(ms(32_700), TransactionEvent::Terminated { id }))
    );
    // The TU's ACK for the 2xx goes out without a transaction (RFC 6026 §7.2).
    let ack = request_with("ACK", "z9hG4bKm1ack", 1, "b1");
    h.layer.send_stateless(ack.clone(), udp());
    h.drain();
    let sent = h.take_transmits();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1.message, Message::Request(ack));
    assert!(h.layer.is_empty());
    // After Timer M a 2xx is stray (RFC 3261 §17.1.1.2: passed to the core).
    h.receive(response_to(&invite, 200, "b4"), udp());
    assert!(matches!(
        &h.take_events()[..],
        [(_, TransactionEvent::StrayResponse { .. })]
    ));
    assert!(h.layer.is_empty());
}

#[test]
fn cancel_is_its_own_client_transaction() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKc1");
    let invite_id = h.send(invite.clone(), udp());
    h.receive(response_to(&invite, 180, "b1"), udp());
    let cancel = super::super::build_cancel(&invite);
    assert_eq!(
        cancel.headers.get(&HeaderName::Via),
        invite.headers.get(&HeaderName::Via)
    );
    let cancel_id = h.send(cancel.clone(), udp());
    assert_ne!(cancel_id, invite_id);
    h.take_events();
    // §17.1.3: same branch, the CSeq method tells the two apart.
    h.receive(response_to(&cancel, 200, "b1"), udp());
    h.receive(response_to(&invite, 487, "b1"), udp());
    let events = h.take_events();
    assert!(
        matches!(&events[0], (_, TransactionEvent::Response { id, response })
        if *id == cancel_id && response.status.as_u16() == 200)
    );
    assert!(
        matches!(&events[1], (_, TransactionEvent::Response { id, response })
        if *id == invite_id && response.status.as_u16() == 487)
    );
    h.run_to_end();
    assert!(h.layer.is_empty());
}

#[test]
fn cancelled_invite_without_final_response_gives_up_after_64_t1() {
    let mut h = Harness::new();
    let invite = request("INVITE", "z9hG4bKc2");
    let invite_id = h.send(invite.clone(), udp());
    h.receive(response_to(&invite, 180, "b1"), udp());
    h.run_until(secs(60));
    let cancel = super::super::build_cancel(&invite);
    let cancel_id = h.send(cancel.clone(), udp());
    h.receive(response_to(&cancel, 200, "b1"), udp());
    h.take_events();
    h.run_to_end();
    // RFC 3261 §9.1: no final response 64*T1 after the CANCEL: the INVITE is abandoned.
    let events = h.take_events();
    assert!(events.contains(&(secs(92), TransactionEvent::Timeout { id: invite_id })));
    assert!(events.contains(&(secs(92), TransactionEvent::Terminated { id: invite_id })));
    assert!(events.contains(&(secs(65), TransactionEvent::Terminated { id: cancel_id })));
    assert!(h.layer.is_empty());
}

#[test]
fn spurious_timeouts_do_not_disturb_the_schedule() {
    let mut h = Harness::new();
    h.send(request("INVITE", "z9hG4bKsp"), udp());
    for at in [0, 100, 250, 499] {
        h.layer.handle_timeout(h.base + ms(at));
    }
    h.drain();
    assert_eq!(h.transmit_times(), vec![ms(0)]);
    assert_eq!(h.layer.poll_timeout(), Some(h.base + ms(500)));
    h.run_until(ms(1600));
    assert_eq!(h.transmit_times(), vec![ms(500), ms(1500)]);
}
