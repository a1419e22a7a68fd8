//! Test 5: gossip payloads reach the application as raw bytes, and a message the application
//! reports invalid goes no further (rule 3).
//!
//! Topology, with discovery off so it stays a line: A — B — C. B judges: a payload is valid
//! iff it starts with `ok:`.

mod common;

use std::{sync::Arc, time::Duration};

use atoll_network::Topic;
use common::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_gossip_is_not_forwarded() {
    let line = |seed: u8| {
        let mut c = config(seed);
        c.discovery = false;
        c
    };
    let mut b = spawn_node(line(52), Arc::new(|data: &[u8]| data.starts_with(b"ok:"))).await;
    let mut a_config = line(51);
    a_config.bootnodes = vec![b.address.clone()];
    let a = spawn_node(a_config, all_valid()).await;
    let mut c_config = line(53);
    c_config.bootnodes = vec![b.address.clone()];
    let mut c = spawn_node(c_config, all_valid()).await;
    wait_for(&mut b.seen, WAIT, "B sees A", |s| *s == Seen::Connected(a.peer)).await;
    wait_for(&mut c.seen, WAIT, "C sees B", |s| *s == Seen::Connected(b.peer)).await;
    assert_eq!(c.handle.connected_peers(), vec![b.peer]);
    assert_eq!(a.handle.connected_peers(), vec![b.peer]);

    // A valid message travels A -> B -> C.
    let source = publish_until_seen(&a.handle, &mut c.seen, Topic::Statements, b"ok:1", WAIT).await;
    assert_eq!(source, b.peer, "C hears it from B");

    // Garbage reaches B's application byte for byte; B reports it invalid.
    let junk = garbage(0x5eed, 1000);
    assert!(!junk.starts_with(b"ok:"));
    let source = publish_until_seen(&a.handle, &mut b.seen, Topic::Statements, &junk, WAIT).await;
    assert_eq!(source, a.peer);

    // A later valid message still gets through, the garbage never does.
    publish_until_seen(&a.handle, &mut c.seen, Topic::Statements, b"ok:2", WAIT).await;
    let later = collect_for(&mut c.seen, Duration::from_millis(500)).await;
    assert!(
        !later.iter().any(|s| matches!(s, Seen::Gossip { data, .. } if *data == junk)),
        "{later:?}"
    );
}
