//! Test 1: gossip and every request-response protocol between two and three nodes.

mod common;

use std::time::Duration;

use atoll_network::{Protocol, RequestError, Topic};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_gossip_and_answer_every_protocol() {
    let mut a = spawn_node(config(1), all_valid()).await;
    let mut b_config = config(2);
    b_config.bootnodes = vec![a.address.clone()];
    let mut b = spawn_node(b_config, all_valid()).await;

    wait_for(&mut a.seen, WAIT, "A sees B", |s| *s == Seen::Connected(b.peer)).await;
    wait_for(&mut b.seen, WAIT, "B sees A", |s| *s == Seen::Connected(a.peer)).await;
    assert_eq!(a.handle.connected_peers(), vec![b.peer]);
    assert_eq!(b.handle.connected_peers(), vec![a.peer]);

    // Gossip both ways on every topic; the source is the publisher.
    for topic in Topic::ALL {
        let data = format!("hello on {topic}").into_bytes();
        let source = publish_until_seen(&a.handle, &mut b.seen, topic, &data, WAIT).await;
        assert_eq!(source, a.peer);
        let source = publish_until_seen(&b.handle, &mut a.seen, topic, &data, WAIT).await;
        assert_eq!(source, b.peer);
    }

    // A payload of exactly max_gossip_size fits in a gossipsub frame; one byte more is
    // refused locally and counted.
    let big = garbage(7, atoll_network::NetworkConfig::DEFAULT_MAX_GOSSIP_SIZE);
    publish_until_seen(&a.handle, &mut b.seen, Topic::Blocks, &big, WAIT).await;
    let failures = a.handle.counters().publish_failures;
    a.handle
        .publish(Topic::Blocks, vec![0; atoll_network::NetworkConfig::DEFAULT_MAX_GOSSIP_SIZE + 1]);
    let deadline = tokio::time::Instant::now() + WAIT;
    while a.handle.counters().publish_failures == failures {
        assert!(tokio::time::Instant::now() < deadline, "oversized publication not counted");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Every protocol both ways, at its exact request bound (Direct shares Collation's 16 MiB
    // bound; a smaller request keeps the unoptimised noise cipher's work down).
    for protocol in Protocol::ALL {
        let size = match protocol {
            Protocol::Direct => 64 * 1024,
            _ => protocol.max_request_size(),
        };
        let data = vec![7u8; size];
        let response = a.handle.request(b.peer, protocol, data.clone()).await.unwrap();
        assert_eq!(response, echo_response(protocol, &data));
        let response = b.handle.request(a.peer, protocol, b"ping".to_vec()).await.unwrap();
        assert_eq!(response, echo_response(protocol, b"ping"));
        // The non-async variant.
        let response = a.handle.send_request(b.peer, protocol, vec![1]).await.unwrap().unwrap();
        assert_eq!(response, echo_response(protocol, &[1]));
    }
    let seen = wait_for(&mut b.seen, WAIT, "B saw the request", |s| {
        matches!(s, Seen::Request { protocol: Protocol::Direct, .. })
    })
    .await;
    assert!(matches!(seen, Seen::Request { peer, .. } if peer == a.peer));

    let (bytes_in, bytes_out) = a.handle.bytes_in_out();
    assert!(bytes_in > 0 && bytes_out > 0);

    // A request to an unknown peer fails cleanly.
    let stranger = key(99).public().to_peer_id();
    let err = a.handle.request(stranger, Protocol::Sync, vec![1]).await.unwrap_err();
    assert!(matches!(err, RequestError::Refused { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_sharing_a_bootnode_form_a_full_mesh() {
    let mut a = spawn_node(config(11), all_valid()).await;
    let mut b_config = config(12);
    b_config.bootnodes = vec![a.address.clone()];
    let mut b = spawn_node(b_config, all_valid()).await;
    let mut c_config = config(13);
    c_config.bootnodes = vec![a.address.clone()];
    let mut c = spawn_node(c_config, all_valid()).await;

    // B and C only know A; they find each other through address announcements (rule 7).
    wait_for(&mut b.seen, WAIT, "B sees C", |s| *s == Seen::Connected(c.peer)).await;
    wait_for(&mut c.seen, WAIT, "C sees B", |s| *s == Seen::Connected(b.peer)).await;
    for node in [&a, &b, &c] {
        let mut peers = node.handle.connected_peers();
        peers.sort();
        let mut expected: Vec<_> =
            [a.peer, b.peer, c.peer].into_iter().filter(|p| *p != node.peer).collect();
        expected.sort();
        assert_eq!(peers, expected);
    }

    // Gossip from C reaches both others.
    let data = b"three".to_vec();
    publish_until_seen(&c.handle, &mut a.seen, Topic::Blocks, &data, WAIT).await;
    wait_for(
        &mut b.seen,
        WAIT,
        "B gets C's gossip",
        |s| matches!(s, Seen::Gossip { data: d, .. } if *d == data),
    )
    .await;

    // Requests between the two non-bootnodes.
    for protocol in Protocol::ALL {
        let response = b.handle.request(c.peer, protocol, vec![3; 10]).await.unwrap();
        assert_eq!(response, echo_response(protocol, &[3; 10]));
    }
}
