//! A peer that sends random and truncated bytes on every gossip topic and request-response
//! protocol: no node panics or stalls, and the peer is disconnected (principle 4).

// A multi-process test reads the clock for its deadlines.
#![allow(clippy::disallowed_methods)]

use std::time::{Duration, Instant};

use atoll_network::{Keypair, NetworkConfig, NetworkEvent, Protocol, Topic};
use atoll_node_core::NetworkMessage;
use atoll_primitives::{BlockNumber, Hash};
use atoll_relay::testnet::{finalized_number, wait_for, LocalNetwork, NetworkSpec};
use parity_scale_codec::Encode;

#[derive(Clone, Copy, Debug)]
enum Target {
    Gossip(Topic),
    Request(Protocol),
}

/// Bytes that are not a message: random, or a valid message cut short.
fn garbage(attempt: u32) -> Vec<u8> {
    if attempt.is_multiple_of(2) {
        let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(attempt);
        (0..200 + attempt as usize * 37)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    } else {
        let valid = NetworkMessage::Status {
            best: (Hash([7; 32]), BlockNumber(9)),
            finalized: (Hash([7; 32]), BlockNumber(8)),
        }
        .encode();
        valid[..valid.len() / 2].to_vec()
    }
}

async fn attack(bootnode: &str, target: Target) -> Result<Duration, String> {
    let mut config = NetworkConfig::new(Keypair::generate_ed25519(), "/atoll/atoll_testnet");
    config.listen_addresses = vec!["/ip4/127.0.0.1/tcp/0".parse().map_err(|e| format!("{e}"))?];
    config.bootnodes = vec![bootnode.parse().map_err(|e| format!("{e}"))?];
    config.discovery = false;
    let (net, mut events) = atoll_network::start(config).await.map_err(|e| e.to_string())?;
    let victim = bootnode.rsplit('/').next().unwrap_or_default().to_string();
    let started = Instant::now();
    let mut connected = false;
    let mut attempt = 0u32;
    let deadline = started + Duration::from_secs(20);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Some(NetworkEvent::PeerConnected(p)) if p.to_string() == victim => connected = true,
                Some(NetworkEvent::PeerDisconnected(p)) if p.to_string() == victim && attempt > 0 => {
                    net.shutdown().await;
                    return Ok(started.elapsed());
                }
                Some(NetworkEvent::Gossip { id, source, .. }) => net.report_gossip(id, source, true),
                Some(_) => {}
                None => return Err("the attacker's network stopped".into()),
            },
            _ = tick.tick() => {
                if Instant::now() > deadline {
                    return Err(format!("{target:?}: still connected after {attempt} garbage messages"));
                }
                if !connected {
                    continue;
                }
                let bytes = garbage(attempt);
                attempt += 1;
                match target {
                    Target::Gossip(topic) => net.publish(topic, bytes),
                    Target::Request(protocol) => {
                        let peer = net.connected_peers().into_iter().find(|p| p.to_string() == victim);
                        if let Some(peer) = peer {
                            drop(net.send_request(peer, protocol, bytes));
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn a_peer_sending_garbage_on_every_topic_and_protocol_is_disconnected_and_nodes_go_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut net = LocalNetwork::start(&NetworkSpec::new(2, 0), dir.path()).unwrap();
    wait_for("relay finality", Duration::from_secs(60), || {
        finalized_number(&net.validators[0]).filter(|n| *n >= 2)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", net.log_tails(30)));

    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let targets: Vec<Target> = Topic::ALL
        .iter()
        .map(|t| Target::Gossip(*t))
        .chain(Protocol::ALL.iter().map(|p| Target::Request(*p)))
        .collect();
    for target in targets {
        let took = rt
            .block_on(attack(&net.bootnode, target))
            .unwrap_or_else(|e| panic!("{e}\n{}", net.log_tails(30)));
        eprintln!("{target:?}: disconnected after {took:?}");
    }

    // The nodes neither panicked nor stalled.
    let fin = finalized_number(&net.validators[0]).unwrap();
    wait_for("finality after the attack", Duration::from_secs(60), || {
        finalized_number(&net.validators[0]).filter(|n| *n >= fin + 2)
    })
    .unwrap_or_else(|e| panic!("{e}\n{}", net.log_tails(30)));
    for v in net.validators.iter_mut() {
        assert!(v.is_running(), "{} died:\n{}", v.name, v.log_tail(40));
        assert!(!v.log().contains("panicked"), "{}", v.log_tail(40));
    }
    let log = net.validators[0].log();
    assert!(log.contains("penalised and disconnected"), "{}", net.validators[0].log_tail(60));
}
