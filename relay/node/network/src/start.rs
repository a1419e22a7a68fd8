//! [`start`]: checks the configuration, builds the swarm, binds the listen addresses, and
//! spawns the task.

use std::{
    collections::HashSet,
    net::{IpAddr, SocketAddr, TcpListener},
    sync::Arc,
    time::Duration,
};

use futures::StreamExt;
use libp2p::{
    core::transport::TransportError, multiaddr::Protocol as Part, swarm::SwarmEvent, Multiaddr,
    PeerId,
};
use tokio::sync::mpsc;

use crate::{
    behaviour::build_swarm,
    config::NetworkConfig,
    error::NetworkError,
    event::NetworkEvent,
    handle::{NetworkHandle, Shared},
    task::{Task, TaskSettings},
};

/// Capacity of the event channel (rule 8).
pub const EVENT_CHANNEL_CAPACITY: usize = 4096;

/// How long [`start`] waits for the listeners to report their addresses.
const LISTEN_WAIT: Duration = Duration::from_secs(5);

/// Starts the network on the current tokio runtime: builds the swarm, subscribes to every
/// topic, binds every listen address (failing with [`NetworkError::AddressInUse`] or
/// [`NetworkError::Listen`] naming the address), waits until each listener reports its address
/// (so [`NetworkHandle::listen_addresses`] is filled on return; bounded by a few seconds), and
/// spawns the swarm task, which dials the bootnodes at once.
pub async fn start(
    config: NetworkConfig,
) -> Result<(NetworkHandle, mpsc::Receiver<NetworkEvent>), NetworkError> {
    let prefix = check_prefix(&config.protocol_prefix)?;
    let bootnodes = config.bootnodes.iter().map(parse_bootnode).collect::<Result<Vec<_>, _>>()?;
    let mut swarm = build_swarm(&config, &prefix)?;
    let local_peer_id = *swarm.local_peer_id();

    let mut listeners = HashSet::new();
    for address in &config.listen_addresses {
        probe_port(address)?;
        let id = swarm.listen_on(address.clone()).map_err(|e| match e {
            TransportError::MultiaddrNotSupported(_) => NetworkError::Listen {
                address: address.clone(),
                reason: "unsupported address (expected /ip4|ip6/<ip>/tcp/<port>)".into(),
            },
            TransportError::Other(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                NetworkError::AddressInUse { address: address.clone() }
            }
            TransportError::Other(e) => {
                NetworkError::Listen { address: address.clone(), reason: e.to_string() }
            }
        })?;
        listeners.insert(id);
    }

    let (command_tx, command_rx) = mpsc::unbounded_channel();
    let (event_tx, event_rx) = mpsc::channel(EVENT_CHANNEL_CAPACITY);
    let shared = Arc::new(Shared::default());
    let settings = TaskSettings {
        prefix,
        bootnodes,
        ban_duration: config.ban_duration,
        redial_interval: config.redial_interval,
        max_gossip_size: config.max_gossip_size,
        discovery: config.discovery,
        gossip_heartbeat: config.gossip_heartbeat,
    };
    let mut task = Task::new(swarm, command_rx, event_tx, shared.clone(), settings)
        .map_err(NetworkError::Transport)?;

    // Wait for every listener's first address; events seen meanwhile go through the task.
    let deadline = tokio::time::Instant::now() + LISTEN_WAIT;
    while !listeners.is_empty() {
        let event = match tokio::time::timeout_at(deadline, task.swarm.select_next_some()).await {
            Ok(event) => event,
            Err(_) => {
                tracing::warn!(target: "sub-libp2p", "listeners slow to report their addresses; going on");
                break;
            }
        };
        match &event {
            SwarmEvent::NewListenAddr { listener_id, .. } => {
                listeners.remove(listener_id);
            }
            SwarmEvent::ListenerClosed { listener_id, addresses, reason, .. }
                if listeners.contains(listener_id) =>
            {
                return Err(NetworkError::Listen {
                    address: addresses.first().cloned().unwrap_or_else(Multiaddr::empty),
                    reason: format!("listener closed: {reason:?}"),
                });
            }
            _ => {}
        }
        task.on_swarm_event(event);
    }

    tokio::spawn(task.run());
    Ok((NetworkHandle { commands: command_tx, shared, local_peer_id }, event_rx))
}

/// The prefix without a trailing `/`; it must start with `/` and contain no whitespace.
fn check_prefix(prefix: &str) -> Result<String, NetworkError> {
    let bad = |reason: &str| NetworkError::BadProtocolPrefix {
        prefix: prefix.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = prefix.trim_end_matches('/');
    if !trimmed.starts_with('/') {
        return Err(bad(
            "it must start with '/' and name something, e.g. \"/atoll/local_testnet\"",
        ));
    }
    if trimmed.chars().any(char::is_whitespace) {
        return Err(bad("it must not contain whitespace"));
    }
    Ok(trimmed.to_string())
}

/// Splits `<address>/p2p/<PeerId>` into the peer and the address without the suffix.
fn parse_bootnode(address: &Multiaddr) -> Result<(PeerId, Multiaddr), NetworkError> {
    let mut base = address.clone();
    match base.pop() {
        Some(Part::P2p(peer)) if !base.is_empty() => Ok((peer, base)),
        Some(Part::P2p(_)) => Err(NetworkError::BadBootnode {
            address: address.clone(),
            reason: "it has a peer id but no transport address".into(),
        }),
        _ => Err(NetworkError::BadBootnode {
            address: address.clone(),
            reason: "it does not end in a peer id".into(),
        }),
    }
}

/// Detects a listen address already in use. libp2p binds its listeners with `SO_REUSEPORT`, so
/// two nodes could silently share a port; a plain bind (no `SO_REUSEPORT`) of a fixed port
/// fails if anything listens there. Port 0 and non-TCP addresses are left to libp2p.
fn probe_port(address: &Multiaddr) -> Result<(), NetworkError> {
    let mut ip = None;
    let mut port = None;
    for part in address.iter() {
        match part {
            Part::Ip4(v4) => ip = Some(IpAddr::V4(v4)),
            Part::Ip6(v6) => ip = Some(IpAddr::V6(v6)),
            Part::Tcp(p) => port = Some(p),
            _ => {}
        }
    }
    let (Some(ip), Some(port)) = (ip, port) else { return Ok(()) };
    if port == 0 {
        return Ok(());
    }
    match TcpListener::bind(SocketAddr::new(ip, port)) {
        Ok(_probe) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
            Err(NetworkError::AddressInUse { address: address.clone() })
        }
        Err(e) => Err(NetworkError::Listen { address: address.clone(), reason: e.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_bootnodes() {
        assert_eq!(check_prefix("/atoll/x/").unwrap(), "/atoll/x");
        assert!(check_prefix("atoll").is_err());
        assert!(check_prefix("/").is_err());
        let peer = libp2p::identity::Keypair::generate_ed25519().public().to_peer_id();
        let good: Multiaddr = format!("/ip4/127.0.0.1/tcp/1/p2p/{peer}").parse().unwrap();
        assert_eq!(parse_bootnode(&good).unwrap(), (peer, "/ip4/127.0.0.1/tcp/1".parse().unwrap()));
        let bad: Multiaddr = "/ip4/127.0.0.1/tcp/1".parse().unwrap();
        let err = parse_bootnode(&bad).unwrap_err().to_string();
        assert!(err.contains("/ip4/127.0.0.1/tcp/1") && err.contains("/p2p/<PeerId>"), "{err}");
    }
}
