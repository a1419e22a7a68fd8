//! Test 4: a bootnode that stops and comes back (same identity, same port) is rejoined by
//! itself (rule 6); a second node on a port in use fails with a clear error.

mod common;

use std::time::Duration;

use atoll_network::{start, NetworkError, Protocol};
use common::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_bootnode_is_redialled() {
    let b = spawn_node(config(41), all_valid()).await;
    let b_listen = b.handle.listen_addresses()[0].clone();
    let mut a_config = config(42);
    a_config.bootnodes = vec![b.address.clone()];
    let mut a = spawn_node(a_config, all_valid()).await;
    wait_for(&mut a.seen, WAIT, "A sees B", |s| *s == Seen::Connected(b.peer)).await;

    // B stops; A notices.
    b.handle.shutdown().await;
    assert!(!b.handle.is_running());
    assert!(b.handle.connected_peers().is_empty() && b.handle.listen_addresses().is_empty());
    let b_peer = b.peer;
    drop(b);
    wait_for(&mut a.seen, WAIT, "A loses B", |s| *s == Seen::Disconnected(b_peer)).await;
    assert!(a.handle.connected_peers().is_empty());

    // B comes back with the same key on the same port; A reconnects without being told.
    let mut b2_config = config(41);
    b2_config.listen_addresses = vec![b_listen.clone()];
    let mut b2 = spawn_node(b2_config, all_valid()).await;
    assert_eq!(b2.peer, b_peer);
    assert_eq!(b2.handle.listen_addresses(), vec![b_listen.clone()]);
    wait_for(&mut a.seen, WAIT, "A sees B again", |s| *s == Seen::Connected(b_peer)).await;
    wait_for(&mut b2.seen, WAIT, "B sees A again", |s| *s == Seen::Connected(a.peer)).await;
    let response = a.handle.request(b_peer, Protocol::Sync, vec![9]).await.unwrap();
    assert_eq!(response, echo_response(Protocol::Sync, &[9]));

    // Nobody else can take B's port meanwhile.
    let mut c_config = config(43);
    c_config.listen_addresses = vec![b_listen.clone()];
    let err = start(c_config).await.unwrap_err();
    assert!(
        matches!(&err, NetworkError::AddressInUse { address } if *address == b_listen),
        "{err}"
    );
    assert!(err.to_string().contains(&b_listen.to_string()), "{err}");
}

#[tokio::test]
async fn bad_bootnode_is_named() {
    let mut config = config(44);
    let address: atoll_network::Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().unwrap();
    config.bootnodes = vec![address.clone()];
    let err = start(config).await.unwrap_err();
    assert!(matches!(&err, NetworkError::BadBootnode { address: a, .. } if *a == address), "{err}");
    assert!(err.to_string().contains("/p2p/<PeerId>"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_every_handle_stops_the_network() {
    let (handle, events) = start(config(45)).await.unwrap();
    let address = handle.listen_addresses()[0].clone();
    let clone = handle.clone();
    drop(handle);
    assert!(clone.is_running());
    drop(clone);
    drop(events);
    // The task ends and releases its port: a new node can bind it.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut c = config(46);
        c.listen_addresses = vec![address.clone()];
        match start(c).await {
            Ok(_) => break,
            Err(NetworkError::AddressInUse { .. }) => {
                assert!(tokio::time::Instant::now() < deadline, "port never released");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unspecified_listen_address_reports_interface_addresses() {
    let mut c = config(47);
    c.listen_addresses = vec!["/ip4/0.0.0.0/tcp/0".parse().unwrap()];
    let (handle, _events) = start(c).await.unwrap();
    let addresses = handle.listen_addresses();
    assert!(
        addresses.iter().any(|a| a.to_string().starts_with("/ip4/127.0.0.1/tcp/")),
        "{addresses:?}"
    );
    handle.shutdown().await;
}
