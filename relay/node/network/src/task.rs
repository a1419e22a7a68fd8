//! The swarm task: one loop that owns the [`Swarm`], executes the handles' commands, turns
//! swarm events into [`NetworkEvent`]s, and keeps time (bans, bootnode re-dials, announcements).
//!
//! The task is an I/O shell: it reads the clock (tokio's) directly.

use std::{
    collections::{HashMap, VecDeque},
    io,
    sync::{atomic::Ordering, Arc},
    time::Duration,
};

use futures::StreamExt;
use libp2p::{
    gossipsub::{self, IdentTopic, MessageAcceptance, TopicHash},
    identify,
    request_response::{self, OutboundFailure, OutboundRequestId},
    swarm::{
        dial_opts::{DialOpts, PeerCondition},
        SwarmEvent,
    },
    Multiaddr, PeerId, Swarm,
};
use tokio::{
    sync::{mpsc, oneshot},
    time::Instant,
};

use crate::{
    behaviour::{Behaviour, BehaviourEvent},
    codec::{OversizedFrame, RequestFrame},
    discovery,
    error::RequestError,
    event::{GossipId, NetworkEvent, ReplyToken},
    handle::{lock, Command, RequestResult, Shared},
    protocol::{Protocol, Topic},
};

/// How often the task looks at the clock (bans, re-dials, announcements).
const HOUSEKEEPING_INTERVAL: Duration = Duration::from_millis(100);

/// Announce our addresses at most this often when peers subscribe (rule 7) ...
const ANNOUNCE_MIN_INTERVAL: Duration = Duration::from_secs(1);
/// ... and at least this often anyway, which repairs announcements lost while the gossip mesh
/// was forming (a few hundred bytes per node: nothing for the small networks this serves).
const ANNOUNCE_MAX_INTERVAL: Duration = Duration::from_secs(10);
/// An announcement triggered by a new subscriber waits this many gossip heartbeats, so the
/// meshes that forward it have taken the newcomer in.
const ANNOUNCE_DELAY_HEARTBEATS: u32 = 2;

/// A bootnode and when we last dialled it.
struct Bootnode {
    peer: PeerId,
    address: Multiaddr,
    last_dial: Option<Instant>,
}

/// Everything the loop owns besides the swarm's insides.
pub(crate) struct Task {
    pub(crate) swarm: Swarm<Behaviour>,
    commands: mpsc::UnboundedReceiver<Command>,
    events: mpsc::Sender<NetworkEvent>,
    /// Events waiting for room in the channel; while non-empty the swarm is not polled
    /// (backpressure, rule 8).
    backlog: VecDeque<NetworkEvent>,
    shared: Arc<Shared>,
    local: PeerId,
    /// Our identify protocol version; peers announcing another one are not learnt from.
    identify_version: String,
    topics: HashMap<TopicHash, Topic>,
    /// The internal announcement topic, if discovery is on (rule 7).
    announce_topic: Option<IdentTopic>,
    /// When the next announcement is due, if one was triggered.
    announce_at: Option<Instant>,
    last_announce: Option<Instant>,
    announce_delay: Duration,
    pending: HashMap<(Protocol, OutboundRequestId), oneshot::Sender<RequestResult>>,
    bans: HashMap<PeerId, Instant>,
    ban_duration: Duration,
    bootnodes: Vec<Bootnode>,
    redial_interval: Duration,
    max_gossip_size: usize,
}

/// What [`Task::new`] needs besides the swarm and channels.
pub(crate) struct TaskSettings {
    pub(crate) prefix: String,
    pub(crate) bootnodes: Vec<(PeerId, Multiaddr)>,
    pub(crate) ban_duration: Duration,
    pub(crate) redial_interval: Duration,
    pub(crate) max_gossip_size: usize,
    pub(crate) discovery: bool,
    pub(crate) gossip_heartbeat: Duration,
}

impl Task {
    /// Builds the task and subscribes to every topic (rule 4).
    pub(crate) fn new(
        mut swarm: Swarm<Behaviour>,
        commands: mpsc::UnboundedReceiver<Command>,
        events: mpsc::Sender<NetworkEvent>,
        shared: Arc<Shared>,
        settings: TaskSettings,
    ) -> Result<Self, String> {
        let local = *swarm.local_peer_id();
        let mut topics = HashMap::new();
        // Rule 4.
        for topic in Topic::ALL {
            let ident = IdentTopic::new(crate::protocol::wire_name(&settings.prefix, topic.name()));
            swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(&ident)
                .map_err(|e| format!("subscribing to {topic}: {e:?}"))?;
            topics.insert(ident.hash(), topic);
        }
        let announce_topic = if settings.discovery {
            let ident = IdentTopic::new(crate::protocol::wire_name(
                &settings.prefix,
                discovery::TOPIC_NAME,
            ));
            swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(&ident)
                .map_err(|e| format!("subscribing to the announcement topic: {e:?}"))?;
            Some(ident)
        } else {
            None
        };
        let bootnodes = settings
            .bootnodes
            .into_iter()
            .filter(|(peer, _)| *peer != local)
            .map(|(peer, address)| Bootnode { peer, address, last_dial: None })
            .collect();
        Ok(Task {
            swarm,
            commands,
            events,
            backlog: VecDeque::new(),
            shared,
            local,
            identify_version: crate::protocol::wire_name(&settings.prefix, "id"),
            topics,
            announce_topic,
            announce_at: None,
            last_announce: None,
            announce_delay: settings.gossip_heartbeat.saturating_mul(ANNOUNCE_DELAY_HEARTBEATS),
            pending: HashMap::new(),
            bans: HashMap::new(),
            ban_duration: settings.ban_duration,
            bootnodes,
            redial_interval: settings.redial_interval,
            max_gossip_size: settings.max_gossip_size,
        })
    }

    /// The loop. Ends when every handle is dropped or one asks for shutdown; the swarm (its
    /// listeners and connections) is dropped before the shutdown is acknowledged.
    pub(crate) async fn run(mut self) {
        let mut tick = tokio::time::interval(HOUSEKEEPING_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // A second sender, so that waiting for room does not borrow `self`.
        let events = self.events.clone();
        let ack = loop {
            tokio::select! {
                command = self.commands.recv() => match command {
                    None => break None,
                    Some(Command::Shutdown(ack)) => break Some(ack),
                    Some(command) => self.on_command(command),
                },
                permit = events.reserve(), if !self.backlog.is_empty() => match permit {
                    Ok(permit) => {
                        if let Some(event) = self.backlog.pop_front() {
                            permit.send(event);
                        }
                    }
                    // The node dropped its receiver: nobody will read these.
                    Err(_) => self.backlog.clear(),
                },
                // Rule 8: the swarm waits while the node is behind.
                event = self.swarm.select_next_some(), if self.backlog.is_empty() => {
                    self.on_swarm_event(event);
                }
                _ = tick.tick() => self.housekeeping(),
            }
        };
        for (_, reply) in self.pending.drain() {
            let _ = reply.send(Err(RequestError::NetworkStopped));
        }
        lock(&self.shared.connected).clear();
        lock(&self.shared.listening).clear();
        tracing::debug!(target: "sub-libp2p", "network task of {} stopping", self.local);
        drop(self);
        if let Some(ack) = ack {
            let _ = ack.send(());
        }
    }

    /// Hands an event to the node: straight into the channel if there is room, else into the
    /// backlog (rule 8), except gossip, which is dropped (and reported `Ignore`) when the
    /// channel is full.
    fn emit(&mut self, event: NetworkEvent) {
        if self.events.is_closed() {
            return;
        }
        if !self.backlog.is_empty() {
            self.queue_or_drop(event);
            return;
        }
        match self.events.try_send(event) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(event)) => self.queue_or_drop(event),
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    fn queue_or_drop(&mut self, event: NetworkEvent) {
        // Rule 8.
        match event {
            NetworkEvent::Gossip { id, source, topic, .. } => {
                self.shared.gossip_dropped.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(target: "sub-libp2p", "event channel full: dropping {topic} gossip from {source}");
                self.swarm.behaviour_mut().gossipsub.report_message_validation_result(
                    &id.0,
                    &source,
                    MessageAcceptance::Ignore,
                );
            }
            event => self.backlog.push_back(event),
        }
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::Publish { topic, data } => self.publish(topic, data),
            Command::Request { peer, protocol, data, reply } => {
                self.send_request(peer, protocol, data, reply)
            }
            Command::Respond { reply, data } => {
                let ReplyToken { peer, protocol, channel } = reply;
                let len = data.len() as u64;
                match self.swarm.behaviour_mut().protocol_mut(protocol).send_response(channel, data)
                {
                    Ok(()) => {
                        self.shared.bytes_out.fetch_add(len, Ordering::Relaxed);
                    }
                    Err(_) => tracing::debug!(
                        target: "sub-libp2p",
                        "{protocol} response to {peer} not sent: the request timed out or its connection closed"
                    ),
                }
            }
            Command::ReportGossip { id, source, valid } => {
                // Rule 3.
                let acceptance =
                    if valid { MessageAcceptance::Accept } else { MessageAcceptance::Reject };
                self.swarm
                    .behaviour_mut()
                    .gossipsub
                    .report_message_validation_result(&id.0, &source, acceptance);
            }
            Command::Penalize { peer, reason } => self.penalize(peer, &reason),
            Command::Dial(address) => {
                if let Err(e) = self.swarm.dial(address.clone()) {
                    tracing::debug!(target: "sub-libp2p", "dialling {address} failed: {e}");
                }
            }
            // Handled by the loop.
            Command::Shutdown(_) => {}
        }
    }

    fn publish(&mut self, topic: Topic, data: Vec<u8>) {
        let Some(hash) = self.topics.iter().find(|(_, t)| **t == topic).map(|(h, _)| h.clone())
        else {
            return;
        };
        let len = data.len();
        if len > self.max_gossip_size {
            self.shared.publish_failures.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(
                target: "sub-libp2p",
                "not publishing {len} bytes on {topic}: above max_gossip_size {}",
                self.max_gossip_size
            );
            return;
        }
        match self.swarm.behaviour_mut().gossipsub.publish(hash, data) {
            Ok(_) => {
                self.shared.bytes_out.fetch_add(len as u64, Ordering::Relaxed);
            }
            Err(e) => {
                self.shared.publish_failures.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(target: "sub-libp2p", "publishing {len} bytes on {topic} failed: {e}");
            }
        }
    }

    fn send_request(
        &mut self,
        peer: PeerId,
        protocol: Protocol,
        data: Vec<u8>,
        reply: oneshot::Sender<RequestResult>,
    ) {
        let refuse = |reason: &str| RequestError::Refused { peer, protocol, reason: reason.into() };
        if peer == self.local {
            let _ = reply.send(Err(refuse("a node does not send requests to itself")));
            return;
        }
        if self.bans.contains_key(&peer) {
            let _ = reply.send(Err(refuse("the peer is banned")));
            return;
        }
        let len = data.len() as u64;
        let id = self
            .swarm
            .behaviour_mut()
            .protocol_mut(protocol)
            .send_request(&peer, RequestFrame::Payload(data));
        self.shared.bytes_out.fetch_add(len, Ordering::Relaxed);
        self.pending.insert((protocol, id), reply);
    }

    /// Rule 5: block, disconnect, log.
    fn penalize(&mut self, peer: PeerId, reason: &str) {
        if peer == self.local {
            return;
        }
        self.bans.insert(peer, Instant::now() + self.ban_duration);
        self.swarm.behaviour_mut().blocked.block_peer(peer);
        let _ = self.swarm.disconnect_peer_id(peer);
        tracing::warn!(target: "sub-libp2p", "peer {peer} penalised and disconnected: {reason}");
    }

    fn housekeeping(&mut self) {
        let now = Instant::now();
        // Rule 5: bans end.
        let expired: Vec<PeerId> =
            self.bans.iter().filter(|(_, until)| **until <= now).map(|(p, _)| *p).collect();
        for peer in expired {
            self.bans.remove(&peer);
            self.swarm.behaviour_mut().blocked.unblock_peer(peer);
            tracing::info!(target: "sub-libp2p", "ban of peer {peer} lifted");
        }
        // Rule 6: re-dial disconnected bootnodes.
        for boot in &mut self.bootnodes {
            let due = boot.last_dial.is_none_or(|t| now.duration_since(t) >= self.redial_interval);
            if !due || self.bans.contains_key(&boot.peer) || self.swarm.is_connected(&boot.peer) {
                continue;
            }
            boot.last_dial = Some(now);
            let opts = DialOpts::peer_id(boot.peer)
                .addresses(vec![boot.address.clone()])
                .condition(PeerCondition::DisconnectedAndNotDialing)
                .build();
            if let Err(e) = self.swarm.dial(opts) {
                tracing::debug!(target: "sub-libp2p", "dialling bootnode {} at {} failed: {e}", boot.peer, boot.address);
            }
        }
        // Rule 7: announce our addresses.
        if let Some(topic) = self.announce_topic.clone() {
            let since = self.last_announce.map(|t| now.duration_since(t));
            let triggered = self.announce_at.is_some_and(|at| at <= now)
                && since.is_none_or(|since| since >= ANNOUNCE_MIN_INTERVAL);
            let stale = since.is_some_and(|since| since >= ANNOUNCE_MAX_INTERVAL);
            if triggered || stale {
                self.announce_at = None;
                self.last_announce = Some(now);
                let addresses: Vec<Multiaddr> = self.swarm.listeners().cloned().collect();
                let payload = discovery::encode(&addresses);
                if let Err(e) = self.swarm.behaviour_mut().gossipsub.publish(topic, payload) {
                    tracing::trace!(target: "sub-libp2p", "address announcement not published: {e}");
                }
            }
        }
    }

    pub(crate) fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                tracing::debug!(target: "sub-libp2p", "listening on {address}");
                lock(&self.shared.listening).push(address.clone());
                self.emit(NetworkEvent::Listening(address));
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                lock(&self.shared.listening).retain(|a| *a != address);
            }
            SwarmEvent::ListenerClosed { addresses, reason, .. } => {
                tracing::warn!(target: "sub-libp2p", "listener on {addresses:?} closed: {reason:?}");
                lock(&self.shared.listening).retain(|a| !addresses.contains(a));
            }
            SwarmEvent::ListenerError { error, .. } => {
                tracing::warn!(target: "sub-libp2p", "listener error: {error}");
            }
            SwarmEvent::ConnectionEstablished { peer_id, num_established, endpoint, .. } => {
                tracing::debug!(target: "sub-libp2p", "connected to {peer_id} ({endpoint:?})");
                if num_established.get() == 1 {
                    lock(&self.shared.connected).insert(peer_id);
                    self.emit(NetworkEvent::PeerConnected(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established, cause, .. } => {
                tracing::debug!(target: "sub-libp2p", "connection to {peer_id} closed: {cause:?}");
                if num_established == 0 {
                    lock(&self.shared.connected).remove(&peer_id);
                    self.emit(NetworkEvent::PeerDisconnected(peer_id));
                }
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(target: "sub-libp2p", "dial to {peer_id:?} failed: {error}");
            }
            SwarmEvent::IncomingConnectionError { send_back_addr, error, .. } => {
                tracing::debug!(target: "sub-libp2p", "incoming connection from {send_back_addr} failed: {error}");
            }
            SwarmEvent::Behaviour(event) => self.on_behaviour_event(event),
            _ => {}
        }
    }

    fn on_behaviour_event(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Blocked(never) => match never {},
            BehaviourEvent::Identify(event) => self.on_identify(event),
            BehaviourEvent::Gossipsub(event) => self.on_gossip(event),
            BehaviourEvent::Sync(event) => self.on_request_response(Protocol::Sync, event),
            BehaviourEvent::Pov(event) => self.on_request_response(Protocol::Pov, event),
            BehaviourEvent::Chunk(event) => self.on_request_response(Protocol::Chunk, event),
            BehaviourEvent::Collation(event) => {
                self.on_request_response(Protocol::Collation, event)
            }
            BehaviourEvent::Direct(event) => self.on_request_response(Protocol::Direct, event),
        }
    }

    fn on_identify(&mut self, event: identify::Event) {
        let identify::Event::Received { peer_id, info, .. } = event else {
            return;
        };
        if info.protocol_version != self.identify_version {
            tracing::debug!(
                target: "sub-libp2p",
                "peer {peer_id} speaks {:?}, not {:?}: not learning its addresses",
                info.protocol_version,
                self.identify_version
            );
            return;
        }
        tracing::trace!(target: "sub-libp2p", "identified {peer_id} ({}) at {:?}", info.agent_version, info.listen_addrs);
        // Rule 7: remember where the peer listens, for re-dials and requests.
        for address in info.listen_addrs.into_iter().take(discovery::MAX_ADDRESSES) {
            self.swarm.add_peer_address(peer_id, address);
        }
    }

    fn on_gossip(&mut self, event: gossipsub::Event) {
        match event {
            gossipsub::Event::Message { propagation_source, message_id, message } => {
                if let Some(&topic) = self.topics.get(&message.topic) {
                    self.shared.bytes_in.fetch_add(message.data.len() as u64, Ordering::Relaxed);
                    self.emit(NetworkEvent::Gossip {
                        topic,
                        source: propagation_source,
                        id: GossipId(message_id),
                        data: message.data,
                    });
                } else if self.announce_topic.as_ref().is_some_and(|t| t.hash() == message.topic) {
                    let acceptance = self.on_announcement(message.source, &message.data);
                    self.swarm.behaviour_mut().gossipsub.report_message_validation_result(
                        &message_id,
                        &propagation_source,
                        acceptance,
                    );
                } else {
                    self.swarm.behaviour_mut().gossipsub.report_message_validation_result(
                        &message_id,
                        &propagation_source,
                        MessageAcceptance::Ignore,
                    );
                }
            }
            gossipsub::Event::Subscribed { peer_id, topic, .. } => {
                tracing::trace!(target: "sub-libp2p", "{peer_id} subscribed to {topic}");
                if self.announce_topic.as_ref().is_some_and(|t| t.hash() == topic) {
                    let at = Instant::now() + self.announce_delay;
                    self.announce_at = Some(self.announce_at.map_or(at, |t| t.min(at)));
                }
            }
            _ => {}
        }
    }

    /// Rule 7: learn and dial the author of an address announcement.
    fn on_announcement(&mut self, author: Option<PeerId>, data: &[u8]) -> MessageAcceptance {
        let (Some(author), Some(addresses)) = (author, discovery::decode(data)) else {
            return MessageAcceptance::Reject;
        };
        if author == self.local {
            return MessageAcceptance::Ignore;
        }
        for address in &addresses {
            self.swarm.add_peer_address(author, address.clone());
        }
        if !addresses.is_empty()
            && !self.swarm.is_connected(&author)
            && !self.bans.contains_key(&author)
        {
            tracing::debug!(target: "sub-libp2p", "heard of {author} at {addresses:?}; dialling");
            let opts = DialOpts::peer_id(author)
                .addresses(addresses)
                .condition(PeerCondition::DisconnectedAndNotDialing)
                .build();
            if let Err(e) = self.swarm.dial(opts) {
                tracing::debug!(target: "sub-libp2p", "dialling {author} failed: {e}");
            }
        }
        MessageAcceptance::Accept
    }

    fn on_request_response(
        &mut self,
        protocol: Protocol,
        event: request_response::Event<RequestFrame, Vec<u8>>,
    ) {
        match event {
            request_response::Event::Message { peer, message, .. } => match message {
                request_response::Message::Request { request, channel, .. } => match request {
                    RequestFrame::Payload(data) => {
                        self.shared.bytes_in.fetch_add(data.len() as u64, Ordering::Relaxed);
                        let reply = ReplyToken { peer, protocol, channel };
                        self.emit(NetworkEvent::Request { peer, protocol, data, reply });
                    }
                    RequestFrame::Oversized { size } => {
                        // Rule 2: the channel is dropped unanswered.
                        let reason = format!(
                            "sent a {protocol} request declaring {size} bytes, above the bound of {}",
                            protocol.max_request_size()
                        );
                        self.misbehaved(peer, reason);
                    }
                },
                request_response::Message::Response { request_id, response } => {
                    self.shared.bytes_in.fetch_add(response.len() as u64, Ordering::Relaxed);
                    if let Some(reply) = self.pending.remove(&(protocol, request_id)) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            request_response::Event::OutboundFailure { peer, request_id, error, .. } => {
                let error = self.outbound_failure(peer, protocol, error);
                tracing::debug!(target: "sub-libp2p", "{error}");
                if let Some(reply) = self.pending.remove(&(protocol, request_id)) {
                    let _ = reply.send(Err(error));
                }
            }
            request_response::Event::InboundFailure { peer, error, .. } => {
                tracing::debug!(target: "sub-libp2p", "inbound {protocol} request from {peer} failed: {error}");
            }
            request_response::Event::ResponseSent { .. } => {}
        }
    }

    fn outbound_failure(
        &mut self,
        peer: PeerId,
        protocol: Protocol,
        error: OutboundFailure,
    ) -> RequestError {
        match error {
            OutboundFailure::Timeout => RequestError::Timeout { peer, protocol },
            OutboundFailure::ConnectionClosed => RequestError::ConnectionClosed { peer, protocol },
            OutboundFailure::DialFailure => RequestError::Refused {
                peer,
                protocol,
                reason: "could not connect to the peer".into(),
            },
            OutboundFailure::UnsupportedProtocols => RequestError::Refused {
                peer,
                protocol,
                reason: "the peer does not speak the protocol".into(),
            },
            OutboundFailure::Io(e) => {
                if let Some(oversized) =
                    e.get_ref().and_then(|i| i.downcast_ref::<OversizedFrame>())
                {
                    // Rule 2.
                    let (size, max) = (oversized.size, oversized.max);
                    let reason = format!(
                        "sent a {protocol} response declaring {size} bytes, above the bound of {max}"
                    );
                    self.misbehaved(peer, reason);
                    RequestError::TooLarge { peer, protocol, size, max }
                } else if e.kind() == io::ErrorKind::UnexpectedEof {
                    RequestError::Refused {
                        peer,
                        protocol,
                        reason: "the peer closed the stream without a complete response".into(),
                    }
                } else {
                    RequestError::Other(format!("{protocol} request to peer {peer}: {e}"))
                }
            }
        }
    }

    /// Rule 2: penalise and tell the node.
    fn misbehaved(&mut self, peer: PeerId, reason: String) {
        self.penalize(peer, &reason);
        self.emit(NetworkEvent::Misbehaved { peer, reason });
    }
}
