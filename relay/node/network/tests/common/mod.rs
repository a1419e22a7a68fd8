//! Test helpers: honest nodes driven by a scripted "application", and a raw libp2p adversary
//! that can put anything on a request-response stream.

// Test helpers stop loudly, like the tests (clippy.toml allows it only inside #[test] fns).
#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::panic)]

use std::{sync::Arc, time::Duration};

use atoll_network::{
    start, Keypair, Multiaddr, NetworkConfig, NetworkEvent, NetworkHandle, PeerId, Protocol, Topic,
};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, StreamExt};
use libp2p::{
    multiaddr::Protocol as Part,
    noise,
    request_response::{self, ProtocolSupport},
    swarm::SwarmEvent,
    tcp, yamux, StreamProtocol,
};
use tokio::{
    sync::{mpsc, oneshot},
    time::{timeout_at, Instant},
};

pub const PREFIX: &str = "/atoll/test";

/// Logs to the test output when `RUST_LOG` is set (e.g. `RUST_LOG=sub-libp2p=debug`).
pub fn init_logs() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// A deterministic ed25519 identity.
pub fn key(seed: u8) -> Keypair {
    Keypair::ed25519_from_bytes([seed; 32]).unwrap()
}

/// A config listening on a free loopback port, with short timers.
pub fn config(seed: u8) -> NetworkConfig {
    let mut config = NetworkConfig::new(key(seed), PREFIX);
    config.listen_addresses = vec!["/ip4/127.0.0.1/tcp/0".parse().unwrap()];
    config.redial_interval = Duration::from_millis(300);
    config.ban_duration = Duration::from_secs(60);
    config.request_timeout = Duration::from_secs(5);
    config.gossip_heartbeat = Duration::from_millis(100);
    config
}

/// `address/p2p/peer`.
pub fn with_peer(address: &Multiaddr, peer: PeerId) -> Multiaddr {
    address.clone().with(Part::P2p(peer))
}

/// What the scripted application saw (requests are answered by it, gossip reported by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Listening(Multiaddr),
    Connected(PeerId),
    Disconnected(PeerId),
    Gossip { topic: Topic, source: PeerId, data: Vec<u8> },
    Request { peer: PeerId, protocol: Protocol, data: Vec<u8> },
    Misbehaved { peer: PeerId, reason: String },
}

/// The answer the scripted application gives to a request.
pub fn echo_response(protocol: Protocol, data: &[u8]) -> Vec<u8> {
    format!("{}:{}", protocol.name(), data.len()).into_bytes()
}

pub struct Node {
    pub handle: NetworkHandle,
    pub peer: PeerId,
    /// The first listen address, with `/p2p/<peer>`.
    pub address: Multiaddr,
    pub seen: mpsc::UnboundedReceiver<Seen>,
}

/// Gossip validity as judged by the scripted application.
pub type Verdict = Arc<dyn Fn(&[u8]) -> bool + Send + Sync>;

pub fn all_valid() -> Verdict {
    Arc::new(|_| true)
}

/// Starts a node and its scripted application: requests are answered with
/// [`echo_response`], gossip is reported with `verdict`, everything is forwarded to `seen`.
pub async fn spawn_node(config: NetworkConfig, verdict: Verdict) -> Node {
    init_logs();
    let (handle, mut events) = start(config).await.unwrap();
    let peer = handle.local_peer_id();
    let listening = handle.listen_addresses();
    assert!(!listening.is_empty(), "start returns with the listen addresses known");
    let address = with_peer(&listening[0], peer);
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let app = handle.clone();
    // The application holds a clone of the handle only while events flow: when the network
    // stops, the event stream ends and the clone is dropped.
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            let seen = match event {
                NetworkEvent::Listening(a) => Seen::Listening(a),
                NetworkEvent::PeerConnected(p) => Seen::Connected(p),
                NetworkEvent::PeerDisconnected(p) => Seen::Disconnected(p),
                NetworkEvent::Gossip { topic, source, id, data } => {
                    app.report_gossip(id, source, verdict(&data));
                    Seen::Gossip { topic, source, data }
                }
                NetworkEvent::Request { peer, protocol, data, reply } => {
                    app.respond(reply, echo_response(protocol, &data));
                    Seen::Request { peer, protocol, data }
                }
                NetworkEvent::Misbehaved { peer, reason } => Seen::Misbehaved { peer, reason },
            };
            let _ = seen_tx.send(seen);
        }
    });
    Node { handle, peer, address, seen }
}

/// Waits until `seen` yields something matching `pred` (other items are discarded).
pub async fn wait_for(
    seen: &mut mpsc::UnboundedReceiver<Seen>,
    within: Duration,
    what: &str,
    mut pred: impl FnMut(&Seen) -> bool,
) -> Seen {
    let deadline = Instant::now() + within;
    loop {
        match timeout_at(deadline, seen.recv()).await {
            Ok(Some(item)) if pred(&item) => return item,
            Ok(Some(_)) => {}
            Ok(None) => panic!("event stream ended while waiting for {what}"),
            Err(_) => panic!("timed out after {within:?} waiting for {what}"),
        }
    }
}

/// Everything `seen` yields within `window`.
pub async fn collect_for(seen: &mut mpsc::UnboundedReceiver<Seen>, window: Duration) -> Vec<Seen> {
    let deadline = Instant::now() + window;
    let mut out = Vec::new();
    while let Ok(Some(item)) = timeout_at(deadline, seen.recv()).await {
        out.push(item);
    }
    out
}

/// Publishes `data` on `topic` from `from` every 100 ms until `to` sees it.
pub async fn publish_until_seen(
    from: &NetworkHandle,
    to: &mut mpsc::UnboundedReceiver<Seen>,
    topic: Topic,
    data: &[u8],
    within: Duration,
) -> PeerId {
    let deadline = Instant::now() + within;
    loop {
        from.publish(topic, data.to_vec());
        let step = (Instant::now() + Duration::from_millis(100)).min(deadline);
        while let Ok(Some(item)) = timeout_at(step, to.recv()).await {
            if let Seen::Gossip { topic: t, source, data: d } = item {
                if t == topic && d == data {
                    return source;
                }
            }
        }
        assert!(Instant::now() < deadline, "gossip on {topic} not delivered within {within:?}");
    }
}

/// A cheap deterministic byte generator (xorshift).
pub fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The adversary: a bare libp2p swarm with one request-response protocol whose codec writes
// raw bytes (no length prefix, no bound) and reads everything up to the end of the stream.

#[derive(Clone, Default)]
pub struct RawCodec;

impl request_response::Codec for RawCodec {
    type Protocol = StreamProtocol;
    type Request = Vec<u8>;
    type Response = Vec<u8>;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> std::io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        let mut out = Vec::new();
        io.take(1 << 20).read_to_end(&mut out).await?;
        Ok(out)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> std::io::Result<Vec<u8>>
    where
        T: AsyncRead + Unpin + Send,
    {
        let mut out = Vec::new();
        io.take(1 << 20).read_to_end(&mut out).await?;
        Ok(out)
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Vec<u8>,
    ) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&req).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Vec<u8>,
    ) -> std::io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        io.write_all(&res).await
    }
}

enum AdversaryCommand {
    Dial(Multiaddr),
    Request { peer: PeerId, raw: Vec<u8>, reply: oneshot::Sender<Result<Vec<u8>, String>> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdversaryEvent {
    Connected(PeerId),
    Disconnected(PeerId),
    DialFailed,
}

pub struct Adversary {
    pub peer: PeerId,
    pub address: Multiaddr,
    commands: mpsc::UnboundedSender<AdversaryCommand>,
    pub events: mpsc::UnboundedReceiver<AdversaryEvent>,
}

impl Adversary {
    /// Starts an adversary speaking `protocol` under [`PREFIX`], answering every inbound
    /// request with the raw bytes `response`.
    pub async fn spawn(seed: u8, protocol: Protocol, response: Vec<u8>) -> Adversary {
        let name =
            StreamProtocol::try_from_owned(format!("{PREFIX}/{}/1", protocol.name())).unwrap();
        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(key(seed))
            .with_tokio()
            .with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
            .unwrap()
            .with_behaviour(|_| {
                request_response::Behaviour::<RawCodec>::new(
                    [(name, ProtocolSupport::Full)],
                    request_response::Config::default()
                        .with_request_timeout(Duration::from_secs(5)),
                )
            })
            .unwrap()
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
            .build();
        swarm.listen_on("/ip4/127.0.0.1/tcp/0".parse().unwrap()).unwrap();
        let address = loop {
            if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
                break address;
            }
        };
        let peer = *swarm.local_peer_id();
        let (commands, mut command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut pending = std::collections::HashMap::new();
            loop {
                tokio::select! {
                    command = command_rx.recv() => match command {
                        None => break,
                        Some(AdversaryCommand::Dial(a)) => {
                            if swarm.dial(a).is_err() {
                                let _ = event_tx.send(AdversaryEvent::DialFailed);
                            }
                        }
                        Some(AdversaryCommand::Request { peer, raw, reply }) => {
                            let id = swarm.behaviour_mut().send_request(&peer, raw);
                            pending.insert(id, reply);
                        }
                    },
                    event = swarm.select_next_some() => match event {
                        SwarmEvent::ConnectionEstablished { peer_id, .. } => {
                            let _ = event_tx.send(AdversaryEvent::Connected(peer_id));
                        }
                        SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                            let _ = event_tx.send(AdversaryEvent::Disconnected(peer_id));
                        }
                        SwarmEvent::OutgoingConnectionError { .. } => {
                            let _ = event_tx.send(AdversaryEvent::DialFailed);
                        }
                        SwarmEvent::Behaviour(request_response::Event::Message { message, .. }) => match message {
                            request_response::Message::Request { channel, .. } => {
                                let _ = swarm.behaviour_mut().send_response(channel, response.clone());
                            }
                            request_response::Message::Response { request_id, response } => {
                                if let Some(reply) = pending.remove(&request_id) {
                                    let _ = reply.send(Ok(response));
                                }
                            }
                        },
                        SwarmEvent::Behaviour(request_response::Event::OutboundFailure { request_id, error, .. }) => {
                            if let Some(reply) = pending.remove(&request_id) {
                                let _ = reply.send(Err(error.to_string()));
                            }
                        }
                        _ => {}
                    },
                }
            }
        });
        Adversary { peer, address: with_peer(&address, peer), commands, events }
    }

    pub fn dial(&self, address: Multiaddr) {
        let _ = self.commands.send(AdversaryCommand::Dial(address));
    }

    /// Sends `raw` as-is as a request; the result is whatever came back (or why nothing did).
    pub async fn request(&self, peer: PeerId, raw: Vec<u8>) -> Result<Vec<u8>, String> {
        let (reply, rx) = oneshot::channel();
        let _ = self.commands.send(AdversaryCommand::Request { peer, raw, reply });
        rx.await.unwrap_or_else(|_| Err("adversary stopped".into()))
    }
}
