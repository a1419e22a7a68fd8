//! Tests 2 and 3: oversized payloads and penalties.
//!
//! What this design gives (rules 1, 2, 5 of the crate docs):
//! - an honest node never sends an oversized request: `request` fails at once with
//!   `RequestError::TooLarge` and nothing reaches the peer;
//! - a peer that puts an oversized request on the wire (the raw adversary below) gets no
//!   response, the receiver emits `Misbehaved` for it and bans it: it is disconnected and its
//!   connections are refused until the ban ends;
//! - a peer answering with an oversized response is likewise reported and banned, and the
//!   requester gets `RequestError::TooLarge`.

mod common;

use std::time::Duration;

use atoll_network::{Protocol, RequestError};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_is_refused_before_the_wire() {
    let mut a = spawn_node(config(21), all_valid()).await;
    let mut b_config = config(22);
    b_config.bootnodes = vec![a.address.clone()];
    let mut b = spawn_node(b_config, all_valid()).await;
    wait_for(&mut a.seen, WAIT, "A sees B", |s| *s == Seen::Connected(b.peer)).await;

    for protocol in Protocol::ALL {
        let max = protocol.max_request_size();
        let err = a.handle.request(b.peer, protocol, vec![0; max + 1]).await.unwrap_err();
        assert!(
            matches!(err, RequestError::TooLarge { size, max: m, .. } if size == max + 1 && m == max),
            "{err}"
        );
    }
    // Nothing reached B, and nobody was penalised.
    let seen = collect_for(&mut b.seen, Duration::from_millis(300)).await;
    assert!(
        seen.iter().all(|s| !matches!(s, Seen::Request { .. } | Seen::Misbehaved { .. })),
        "{seen:?}"
    );
    assert_eq!(a.handle.connected_peers(), vec![b.peer]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_on_the_wire_gets_the_sender_banned() {
    let mut node_config = config(23);
    node_config.ban_duration = Duration::from_millis(2500);
    let mut node = spawn_node(node_config, all_valid()).await;
    let mut adversary = Adversary::spawn(24, Protocol::Pov, Vec::new()).await;
    adversary.dial(node.address.clone());
    wait_for(&mut node.seen, WAIT, "node sees adversary", |s| {
        *s == Seen::Connected(adversary.peer)
    })
    .await;

    // A Pov request declaring 4 KiB + 1 (and carrying it).
    let declared = Protocol::Pov.max_request_size() + 1;
    let mut raw = (declared as u32).to_le_bytes().to_vec();
    raw.extend(std::iter::repeat_n(0xAB, declared));
    let banned_at = tokio::time::Instant::now();
    let answer = adversary.request(node.peer, raw).await;
    assert!(answer.as_ref().map_or(true, |r| r.is_empty()), "no response expected: {answer:?}");

    let seen =
        wait_for(&mut node.seen, WAIT, "Misbehaved", |s| matches!(s, Seen::Misbehaved { .. }))
            .await;
    let Seen::Misbehaved { peer, reason } = seen else { unreachable!() };
    assert_eq!(peer, adversary.peer);
    assert!(reason.contains("pov") && reason.contains(&declared.to_string()), "{reason}");
    wait_for(&mut node.seen, WAIT, "adversary disconnected", |s| {
        *s == Seen::Disconnected(adversary.peer)
    })
    .await;
    assert!(node.handle.connected_peers().is_empty());

    // During the ban, the adversary cannot get a connection accepted.
    let mut during = Vec::new();
    while banned_at.elapsed() < Duration::from_millis(1800) {
        adversary.dial(node.address.clone());
        during.extend(collect_for(&mut node.seen, Duration::from_millis(200)).await);
        assert!(!node.handle.connected_peers().contains(&adversary.peer));
    }
    assert!(!during.contains(&Seen::Connected(adversary.peer)), "{during:?}");
    // A request from the node to the banned peer is refused locally.
    let err = node.handle.request(adversary.peer, Protocol::Pov, vec![1]).await.unwrap_err();
    assert!(matches!(err, RequestError::Refused { .. }), "{err}");

    // After the ban it can connect again.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        adversary.dial(node.address.clone());
        let seen = collect_for(&mut node.seen, Duration::from_millis(300)).await;
        if seen.contains(&Seen::Connected(adversary.peer)) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "adversary never readmitted");
    }
    assert!(banned_at.elapsed() >= Duration::from_millis(2500));
    drop(adversary.events.try_recv());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_length_prefix_is_misbehaviour() {
    let mut node = spawn_node(config(25), all_valid()).await;
    let adversary = Adversary::spawn(26, Protocol::Sync, Vec::new()).await;
    adversary.dial(node.address.clone());
    wait_for(&mut node.seen, WAIT, "node sees adversary", |s| {
        *s == Seen::Connected(adversary.peer)
    })
    .await;
    // Four bytes of garbage declaring ~4 GiB, and nothing else: nothing is allocated for it.
    let _ = adversary.request(node.peer, vec![0xff, 0xff, 0xff, 0xfe]).await;
    let seen =
        wait_for(&mut node.seen, WAIT, "Misbehaved", |s| matches!(s, Seen::Misbehaved { .. }))
            .await;
    assert!(matches!(seen, Seen::Misbehaved { peer, .. } if peer == adversary.peer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_response_gets_the_responder_banned() {
    let mut node = spawn_node(config(27), all_valid()).await;
    // Direct responses are bounded by 4 KiB; this one declares and carries 5000 bytes.
    let mut response = 5000u32.to_le_bytes().to_vec();
    response.extend(std::iter::repeat_n(1u8, 5000));
    let adversary = Adversary::spawn(28, Protocol::Direct, response).await;
    node.handle.dial(adversary.address.clone());
    wait_for(&mut node.seen, WAIT, "node sees adversary", |s| {
        *s == Seen::Connected(adversary.peer)
    })
    .await;

    let err =
        node.handle.request(adversary.peer, Protocol::Direct, b"hi".to_vec()).await.unwrap_err();
    assert!(
        matches!(err, RequestError::TooLarge { peer, protocol: Protocol::Direct, size: 5000, max: 4096 } if peer == adversary.peer),
        "{err}"
    );
    let seen =
        wait_for(&mut node.seen, WAIT, "Misbehaved", |s| matches!(s, Seen::Misbehaved { .. }))
            .await;
    assert!(matches!(seen, Seen::Misbehaved { peer, .. } if peer == adversary.peer));
    wait_for(&mut node.seen, WAIT, "adversary disconnected", |s| {
        *s == Seen::Disconnected(adversary.peer)
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn penalize_bans_until_the_ban_ends() {
    let mut a_config = config(31);
    a_config.ban_duration = Duration::from_millis(2000);
    let mut a = spawn_node(a_config, all_valid()).await;
    let mut b_config = config(32);
    // B keeps re-dialling A (its bootnode) every 300 ms throughout.
    b_config.bootnodes = vec![a.address.clone()];
    let mut b = spawn_node(b_config, all_valid()).await;
    wait_for(&mut a.seen, WAIT, "A sees B", |s| *s == Seen::Connected(b.peer)).await;
    wait_for(&mut b.seen, WAIT, "B sees A", |s| *s == Seen::Connected(a.peer)).await;

    let banned_at = tokio::time::Instant::now();
    a.handle.penalize(b.peer, "test penalty".into());
    wait_for(&mut a.seen, WAIT, "A drops B", |s| *s == Seen::Disconnected(b.peer)).await;
    wait_for(&mut b.seen, WAIT, "B dropped", |s| *s == Seen::Disconnected(a.peer)).await;

    // Re-dials both ways fail during the ban.
    let mut during = Vec::new();
    while banned_at.elapsed() < Duration::from_millis(1400) {
        b.handle.dial(a.address.clone());
        a.handle.dial(b.address.clone());
        during.extend(collect_for(&mut a.seen, Duration::from_millis(200)).await);
        assert!(a.handle.connected_peers().is_empty());
    }
    assert!(!during.contains(&Seen::Connected(b.peer)), "{during:?}");
    let err = a.handle.request(b.peer, Protocol::Chunk, vec![1]).await.unwrap_err();
    assert!(matches!(err, RequestError::Refused { .. }), "{err}");

    // After the ban, B's bootnode re-dial brings it back by itself.
    wait_for(&mut a.seen, WAIT, "B readmitted", |s| *s == Seen::Connected(b.peer)).await;
    assert!(banned_at.elapsed() >= Duration::from_millis(2000));
    let response = a.handle.request(b.peer, Protocol::Chunk, vec![1]).await.unwrap();
    assert_eq!(response, echo_response(Protocol::Chunk, &[1]));
}
