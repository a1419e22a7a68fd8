//! [`NetworkHandle`]: the node's side of the network. Every method is a message to the swarm
//! task, except the read-outs, which come from state the task keeps up to date.

use std::{
    collections::BTreeSet,
    fmt,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard, PoisonError,
    },
};

use libp2p::{Multiaddr, PeerId};
use tokio::sync::{mpsc, oneshot};

use crate::{
    error::RequestError,
    event::{GossipId, ReplyToken},
    protocol::{Protocol, Topic},
};

/// A request's answer, as delivered to the requester.
pub(crate) type RequestResult = Result<Vec<u8>, RequestError>;

/// What a handle asks the task to do.
#[derive(Debug)]
pub(crate) enum Command {
    Publish {
        topic: Topic,
        data: Vec<u8>,
    },
    Request {
        peer: PeerId,
        protocol: Protocol,
        data: Vec<u8>,
        reply: oneshot::Sender<RequestResult>,
    },
    Respond {
        reply: ReplyToken,
        data: Vec<u8>,
    },
    ReportGossip {
        id: GossipId,
        source: PeerId,
        valid: bool,
    },
    Penalize {
        peer: PeerId,
        reason: String,
    },
    Dial(Multiaddr),
    Shutdown(oneshot::Sender<()>),
}

/// State the task writes and handles read.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) connected: Mutex<BTreeSet<PeerId>>,
    pub(crate) listening: Mutex<Vec<Multiaddr>>,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) publish_failures: AtomicU64,
    pub(crate) gossip_dropped: AtomicU64,
}

/// Locks a mutex of [`Shared`]; a poisoned lock still holds usable data (plain sets and lists).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Best-effort counters of a running network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkCounters {
    /// Payload bytes received: gossip, requests and responses.
    pub bytes_in: u64,
    /// Payload bytes sent: gossip publications, requests and responses.
    pub bytes_out: u64,
    /// Publications that failed (no subscribed peer, too large, ...).
    pub publish_failures: u64,
    /// Gossip messages dropped because the event channel was full.
    pub gossip_dropped: u64,
}

/// The node's handle on the network. Cheap to clone; the network stops when every clone is
/// dropped or [`shutdown`](Self::shutdown) is called.
#[derive(Clone)]
pub struct NetworkHandle {
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) shared: Arc<Shared>,
    pub(crate) local_peer_id: PeerId,
}

impl fmt::Debug for NetworkHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetworkHandle").field("local_peer_id", &self.local_peer_id).finish()
    }
}

impl NetworkHandle {
    fn send(&self, command: Command) {
        if self.commands.send(command).is_err() {
            tracing::debug!(target: "sub-libp2p", "network stopped; command dropped");
        }
    }

    /// This node's peer id.
    pub fn local_peer_id(&self) -> PeerId {
        self.local_peer_id
    }

    /// Publishes `data` on `topic`, fire and forget. Failures (no subscribed peer yet, payload
    /// above [`max_gossip_size`](crate::NetworkConfig::max_gossip_size)) are logged at debug
    /// and counted in [`counters`](Self::counters).
    pub fn publish(&self, topic: Topic, data: Vec<u8>) {
        self.send(Command::Publish { topic, data });
    }

    /// Sends a request and waits for the response (at most the configured request timeout).
    ///
    /// Do not await this in the loop that drains the event receiver: while that loop waits,
    /// the network may be waiting for it. Use [`send_request`](Self::send_request) there.
    pub async fn request(
        &self,
        peer: PeerId,
        protocol: Protocol,
        data: Vec<u8>,
    ) -> Result<Vec<u8>, RequestError> {
        self.send_request(peer, protocol, data).await.unwrap_or(Err(RequestError::NetworkStopped))
    }

    /// Sends a request; the response (or the error) arrives on the returned receiver. A
    /// request above the protocol's bound is refused here, without touching the network
    /// (rule 1). If the receiver yields a `RecvError` the network stopped.
    pub fn send_request(
        &self,
        peer: PeerId,
        protocol: Protocol,
        data: Vec<u8>,
    ) -> oneshot::Receiver<Result<Vec<u8>, RequestError>> {
        let (reply, receiver) = oneshot::channel();
        let max = protocol.max_request_size();
        if data.len() > max {
            // Rule 1: never put an oversized request on the wire.
            let _ =
                reply.send(Err(RequestError::TooLarge { peer, protocol, size: data.len(), max }));
            return receiver;
        }
        if let Err(mpsc::error::SendError(Command::Request { reply, .. })) =
            self.commands.send(Command::Request { peer, protocol, data, reply })
        {
            let _ = reply.send(Err(RequestError::NetworkStopped));
        }
        receiver
    }

    /// Answers an inbound request. A response above the protocol's bound is not sent (it is
    /// logged at warn and the request stays unanswered): the peer would penalise us for it.
    pub fn respond(&self, reply: ReplyToken, data: Vec<u8>) {
        let max = reply.protocol.max_response_size();
        if data.len() > max {
            // Rule 1.
            tracing::warn!(
                target: "sub-libp2p",
                "not sending a {} response of {} bytes to peer {}: above the bound of {max}",
                reply.protocol,
                data.len(),
                reply.peer,
            );
            return;
        }
        self.send(Command::Respond { reply, data });
    }

    /// Reports whether a gossip message is valid: a valid one is forwarded to our mesh peers,
    /// an invalid one is dropped (rule 3).
    pub fn report_gossip(&self, id: GossipId, source: PeerId, valid: bool) {
        self.send(Command::ReportGossip { id, source, valid });
    }

    /// Disconnects the peer and refuses its connections for the configured ban duration; logs
    /// `reason` at warn with the peer id (rule 5).
    pub fn penalize(&self, peer: PeerId, reason: String) {
        self.send(Command::Penalize { peer, reason });
    }

    /// Dials an address (with or without a `/p2p/<PeerId>` suffix). Failures are logged at debug.
    pub fn dial(&self, addr: Multiaddr) {
        self.send(Command::Dial(addr));
    }

    /// The peers we have at least one connection to.
    pub fn connected_peers(&self) -> Vec<PeerId> {
        lock(&self.shared.connected).iter().copied().collect()
    }

    /// The addresses we listen on.
    pub fn listen_addresses(&self) -> Vec<Multiaddr> {
        lock(&self.shared.listening).clone()
    }

    /// Payload bytes received and sent (gossip, requests, responses); best effort.
    pub fn bytes_in_out(&self) -> (u64, u64) {
        (
            self.shared.bytes_in.load(Ordering::Relaxed),
            self.shared.bytes_out.load(Ordering::Relaxed),
        )
    }

    /// All best-effort counters.
    pub fn counters(&self) -> NetworkCounters {
        let s = &self.shared;
        NetworkCounters {
            bytes_in: s.bytes_in.load(Ordering::Relaxed),
            bytes_out: s.bytes_out.load(Ordering::Relaxed),
            publish_failures: s.publish_failures.load(Ordering::Relaxed),
            gossip_dropped: s.gossip_dropped.load(Ordering::Relaxed),
        }
    }

    /// Stops the network task (for every clone of this handle) and waits until it has closed
    /// its listeners and connections, so the listen ports can be bound again.
    pub async fn shutdown(&self) {
        let (ack, done) = oneshot::channel();
        if self.commands.send(Command::Shutdown(ack)).is_ok() {
            let _ = done.await;
        }
    }

    /// Whether the network task is still running.
    pub fn is_running(&self) -> bool {
        !self.commands.is_closed()
    }
}
