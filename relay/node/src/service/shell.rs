//! [`NodeShell`]: the relay node's state machines ([`RelayNode`], [`ParachainHost`]) and the I/O
//! they are driven by: it routes their actions to libp2p, sled and the PVF host, and routes what
//! arrives (gossip, requests, responses, verdicts, timers) back to them (rules 1–9 of the crate
//! docs). Every handler takes the current time as a value; the loop in [`super`] reads the clock.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use atoll_network::{NetworkEvent, NetworkHandle, PeerId as NetPeer, Protocol, ReplyToken, Topic};
use atoll_node_core::parachain::{relay_block_info, SessionCache};
use atoll_node_core::{NetworkMessage, NodeAction, NodeEvent, PeerId as NodePeer, RelayNode};
use atoll_parachain_host::{
    ExecutionKind, HostAction, HostEvent, HostMessage, ParachainHost, PeerId as HostPeer, Target,
    ValidationRequest, ValidationVerdict,
};
use atoll_primitives::crypto::Pair;
use atoll_primitives::{BlockNumber, Hash, ValidatorIndex};
use atoll_pvf::{PvfHost, TimeoutKind, ValidationOutcome};
use atoll_relay_chain::{queries, RelayExtrinsic};
use atoll_rpc::metrics::NodeMetrics;
use parity_scale_codec::Encode;
use tokio::sync::{broadcast, mpsc};

use super::feeds::{header_json, ParaLog};
use super::peers::PeerBook;
use super::pool::RelayPool;
use super::Follower;
use crate::store::Store;
use crate::wire::{
    answers, decode_gossip, host_protocol, host_topic, relay_protocol, relay_topic,
    AuthorityRecord, DirectMessage, MAX_GOSSIP_PAYLOAD,
};

/// A PVF execution that finished off the event loop.
pub struct VerdictDone {
    /// The request.
    pub request: ValidationRequest,
    /// Its verdict.
    pub verdict: ValidationVerdict,
    /// Wall time of the execution, seconds.
    pub seconds: f64,
    /// Of which preparing the code (compiling or loading the artifact), seconds.
    pub prepare_seconds: f64,
}

/// The answer to one of our requests.
pub struct ResponseDone {
    /// Who answered.
    pub peer: NetPeer,
    /// On which protocol.
    pub protocol: Protocol,
    /// The bytes, or why there are none.
    pub result: Result<Vec<u8>, String>,
}

/// What a peer last told us of its chain (from its status announcements).
#[derive(Clone, Copy, Debug)]
pub struct PeerStatus {
    /// Its best block.
    pub best: (Hash, BlockNumber),
    /// Its finalized block.
    pub finalized: (Hash, BlockNumber),
}

/// Feeds of new best and finalized headers for RPC subscribers.
#[derive(Clone)]
pub struct HeadFeeds {
    /// New best headers (JSON).
    pub new_heads: broadcast::Sender<serde_json::Value>,
    /// Newly finalized headers (JSON).
    pub finalized: broadcast::Sender<serde_json::Value>,
}

impl HeadFeeds {
    /// Feeds with room for 256 headers per lagging subscriber.
    pub fn new() -> Self {
        HeadFeeds { new_heads: broadcast::channel(256).0, finalized: broadcast::channel(256).0 }
    }
}

impl Default for HeadFeeds {
    fn default() -> Self {
        Self::new()
    }
}

/// The inbound request being handled (its answer goes back on `reply`).
struct PendingReply {
    peer: u64,
    protocol: Protocol,
    reply: ReplyToken,
}

/// The relay node with its I/O.
pub struct NodeShell {
    pub(crate) relay: RelayNode,
    pub(crate) host: Option<Box<ParachainHost>>,
    pub(crate) follower: Option<Box<dyn Follower>>,
    pub(crate) sessions: SessionCache,
    store: Store,
    pub(crate) network: NetworkHandle,
    pub(crate) peers: PeerBook,
    pub(crate) pool: RelayPool,
    pvf: Arc<PvfHost>,
    pub(crate) genesis: Hash,
    key: Option<Pair>,
    relay_wakes: BTreeSet<u64>,
    host_wakes: BTreeSet<u64>,
    verdict_tx: mpsc::UnboundedSender<VerdictDone>,
    response_tx: mpsc::UnboundedSender<ResponseDone>,
    pub(crate) metrics: NodeMetrics,
    pub(crate) feeds: HeadFeeds,
    pub(crate) para_log: ParaLog,
    pub(crate) peer_status: BTreeMap<NetPeer, PeerStatus>,
    reply: Option<PendingReply>,
    last_best: (Hash, BlockNumber),
    last_finalized: (Hash, BlockNumber),
    /// A failure the node cannot go on after (the database refused a write).
    pub(crate) fatal: Option<String>,
    /// Whether to print `Imported #N` lines (the collator's embedded relay node logs less).
    pub(crate) log_imports: bool,
    pub(crate) validations_running: usize,
    /// The highest block the approval machinery reported approved (for the finality-lag gauge).
    approved_height: BlockNumber,
}

/// What [`NodeShell::new`] needs.
pub struct ShellParts {
    /// The relay node (new or restored).
    pub relay: RelayNode,
    /// The parachain host (validators).
    pub host: Option<Box<ParachainHost>>,
    /// The collator hook.
    pub follower: Option<Box<dyn Follower>>,
    /// The database.
    pub store: Store,
    /// The network.
    pub network: NetworkHandle,
    /// The PVF host.
    pub pvf: Arc<PvfHost>,
    /// The chain's genesis hash.
    pub genesis: Hash,
    /// The validator key.
    pub key: Option<Pair>,
    /// Where verdicts come back.
    pub verdict_tx: mpsc::UnboundedSender<VerdictDone>,
    /// Where responses come back.
    pub response_tx: mpsc::UnboundedSender<ResponseDone>,
    /// Metrics.
    pub metrics: NodeMetrics,
    /// Header feeds.
    pub feeds: HeadFeeds,
}

impl NodeShell {
    /// Assembles the shell.
    pub fn new(parts: ShellParts) -> Self {
        let best = parts.relay.best();
        let finalized = parts.relay.finalized();
        NodeShell {
            relay: parts.relay,
            host: parts.host,
            follower: parts.follower,
            sessions: SessionCache::default(),
            store: parts.store,
            network: parts.network,
            peers: PeerBook::default(),
            pool: RelayPool::new(4_096),
            pvf: parts.pvf,
            genesis: parts.genesis,
            key: parts.key,
            relay_wakes: BTreeSet::new(),
            host_wakes: BTreeSet::new(),
            verdict_tx: parts.verdict_tx,
            response_tx: parts.response_tx,
            metrics: parts.metrics,
            feeds: parts.feeds,
            para_log: ParaLog::default(),
            peer_status: BTreeMap::new(),
            reply: None,
            last_best: best,
            last_finalized: finalized,
            fatal: None,
            log_imports: true,
            validations_running: 0,
            approved_height: BlockNumber(0),
        }
    }

    /// The relay node.
    pub fn relay(&self) -> &RelayNode {
        &self.relay
    }

    /// The parachain host, if a validator.
    pub fn host(&self) -> Option<&ParachainHost> {
        self.host.as_deref()
    }

    /// Starts the state machines; after a restart, tells the host what the unfinalized chain
    /// carries (rule 8).
    pub fn start(&mut self, now: u64) {
        let actions = self.relay.on_start(now);
        self.apply_relay(actions, now);
        if self.host.is_some() {
            let (fin_hash, fin_number) = self.relay.finalized();
            let mut chain = Vec::new();
            let mut at = self.relay.best().0;
            while let Some(header) = self.relay.header(&at) {
                if header.number <= fin_number {
                    break;
                }
                chain.push(at);
                at = header.parent_hash;
            }
            for hash in chain.into_iter().rev() {
                self.feed_host_block(hash, now);
            }
            if let Some(host) = &mut self.host {
                host.on_finalized(fin_hash, fin_number);
            }
        }
        self.after(now);
    }

    /// The earliest time a state machine asked to be woken.
    pub fn next_wake(&self) -> Option<u64> {
        let r = self.relay_wakes.first().copied();
        let h = self.host_wakes.first().copied();
        match (r, h) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Timers that are due (rule 2: a block authored now carries the host's para inherent and
    /// pooled transactions).
    pub fn on_tick(&mut self, now: u64) {
        if self.relay_wakes.first().is_some_and(|t| *t <= now) {
            self.relay_wakes = self.relay_wakes.split_off(&(now + 1));
            let on_chain = self.pooled_on_best_chain();
            let NodeShell { relay, host, pool, .. } = self;
            // The shell times block construction for the metrics.
            #[allow(clippy::disallowed_methods)]
            let started = Instant::now();
            let actions = relay.on_tick_with(now, |parent| {
                let mut xts = Vec::new();
                if let Some(host) = host.as_deref() {
                    xts.push(RelayExtrinsic::ParaInherent(host.para_inherent(parent.hash())));
                }
                xts.extend(pool.ready(1_000, &on_chain));
                xts
            });
            if actions.iter().any(|a| matches!(a, NodeAction::Event(NodeEvent::Authored { .. }))) {
                self.metrics.observe_block_constructed(started.elapsed().as_secs_f64());
            }
            self.apply_relay(actions, now);
        }
        if self.host_wakes.first().is_some_and(|t| *t <= now) {
            self.host_wakes = self.host_wakes.split_off(&(now + 1));
            if let Some(host) = &mut self.host {
                let actions = host.on_tick(now);
                self.apply_host(actions, now);
            }
        }
        self.after(now);
    }

    /// Something arrived from the network (rules 4–7).
    pub fn on_network(&mut self, event: NetworkEvent, now: u64) {
        match event {
            NetworkEvent::Listening(addr) => {
                tracing::info!(target: "sub-libp2p", "🔍 Listening on {addr}")
            }
            NetworkEvent::PeerConnected(peer) => {
                self.peers.index(peer);
                tracing::debug!(target: "sub-libp2p", %peer, "connected");
            }
            NetworkEvent::PeerDisconnected(peer) => {
                self.peer_status.remove(&peer);
                tracing::debug!(target: "sub-libp2p", %peer, "disconnected");
            }
            NetworkEvent::Misbehaved { peer, reason } => {
                self.metrics.inc_peer_penalties();
                tracing::debug!(target: "sub-libp2p", %peer, %reason, "misbehaved");
            }
            NetworkEvent::Gossip { topic, source, id, data } => {
                if topic == Topic::Authorities {
                    match AuthorityRecord::decode_checked(&self.genesis, &data) {
                        Ok(record) => {
                            self.network.report_gossip(id, source, true);
                            if let Ok(peer) = NetPeer::from_bytes(&record.peer_id) {
                                self.peers.set_authority(record.authority, peer);
                            }
                        }
                        Err(reason) => {
                            self.network.report_gossip(id, source, false);
                            self.penalize(source, reason);
                        }
                    }
                    return;
                }
                match decode_gossip(topic, &data) {
                    Ok(msg) => {
                        self.network.report_gossip(id, source, true);
                        let index = self.peers.index(source);
                        self.deliver(index, source, msg, now);
                    }
                    Err(reason) => {
                        self.network.report_gossip(id, source, false);
                        self.penalize(
                            source,
                            format!("undecodable gossip on {}: {reason}", topic.name()),
                        );
                    }
                }
            }
            NetworkEvent::Request { peer, protocol, data, reply } => {
                self.on_request(peer, protocol, data, reply, now)
            }
        }
        self.after(now);
    }

    /// Rule 5: an inbound request is decoded for its protocol and handed to its state machine;
    /// the answer it produces goes back on the reply, else an empty answer does.
    fn on_request(
        &mut self,
        peer: NetPeer,
        protocol: Protocol,
        data: Vec<u8>,
        reply: ReplyToken,
        now: u64,
    ) {
        let decoded = match protocol {
            Protocol::Sync => NetworkMessage::decode_untrusted(&data)
                .map_err(|e| e.to_string())
                .and_then(|m| match m {
                    NetworkMessage::BlocksRequest { .. }
                    | NetworkMessage::AncestryRequest { .. } => Ok(DirectMessage::Relay(m)),
                    _ => Err("not a sync request".into()),
                }),
            Protocol::Pov | Protocol::Chunk | Protocol::Collation => {
                HostMessage::decode_untrusted(&data).map_err(|e| e.to_string()).and_then(|m| {
                    if host_protocol(&m) == protocol {
                        Ok(DirectMessage::Host(m))
                    } else {
                        Err(format!("not a {} request", protocol.name()))
                    }
                })
            }
            Protocol::Direct => DirectMessage::decode_untrusted(&data).map_err(|e| e.to_string()),
        };
        match decoded {
            Ok(msg) => {
                let index = self.peers.index(peer);
                self.reply = Some(PendingReply { peer: index, protocol, reply });
                self.deliver(index, peer, msg, now);
                if let Some(pending) = self.reply.take() {
                    self.network.respond(pending.reply, Vec::new());
                }
            }
            Err(reason) => {
                self.network.respond(reply, Vec::new());
                self.penalize(peer, format!("undecodable {} request: {reason}", protocol.name()));
            }
        }
    }

    /// One of our requests was answered.
    pub fn on_response(&mut self, done: ResponseDone, now: u64) {
        let bytes = match done.result {
            Ok(bytes) if bytes.is_empty() => return,
            Ok(bytes) => bytes,
            Err(reason) => {
                tracing::debug!(target: "sync", peer = %done.peer, protocol = done.protocol.name(), %reason, "request failed");
                return;
            }
        };
        let msg = match done.protocol {
            Protocol::Sync => NetworkMessage::decode_untrusted(&bytes)
                .map(DirectMessage::Relay)
                .map_err(|e| e.to_string()),
            _ => HostMessage::decode_untrusted(&bytes)
                .map(DirectMessage::Host)
                .map_err(|e| e.to_string()),
        };
        match msg {
            Ok(msg) if answers(done.protocol, &msg) => {
                let index = self.peers.index(done.peer);
                self.deliver(index, done.peer, msg, now);
            }
            Ok(_) => self.penalize(
                done.peer,
                format!("a {} response of the wrong kind", done.protocol.name()),
            ),
            Err(reason) => self.penalize(
                done.peer,
                format!("undecodable {} response: {reason}", done.protocol.name()),
            ),
        }
        self.after(now);
    }

    /// A PVF execution finished.
    pub fn on_verdict(&mut self, done: VerdictDone, now: u64) {
        self.validations_running = self.validations_running.saturating_sub(1);
        self.metrics.observe_pvf_execution(done.seconds - done.prepare_seconds);
        if done.prepare_seconds > 0.0 {
            self.metrics.observe_pvf_preparation(done.prepare_seconds);
        } else {
            self.metrics.inc_pvf_cache_hits();
        }
        if let Some(host) = &mut self.host {
            let actions = host.on_validation_result(&done.request, done.verdict, now);
            self.apply_host(actions, now);
        }
        self.after(now);
    }

    /// Rule 7: announces which peer our validator key is reachable at.
    pub fn publish_authority_record(&mut self) {
        if let Some(key) = &self.key {
            let record =
                AuthorityRecord::sign(key, &self.genesis, self.network.local_peer_id().to_bytes());
            self.network.publish(Topic::Authorities, record.encode());
        }
    }

    fn deliver(&mut self, index: u64, peer: NetPeer, msg: DirectMessage, now: u64) {
        match msg {
            DirectMessage::Relay(m) => {
                if let NetworkMessage::Status { best, finalized } = &m {
                    self.peer_status
                        .insert(peer, PeerStatus { best: *best, finalized: *finalized });
                }
                let actions = self.relay.on_message(now, NodePeer(index), m);
                self.apply_relay(actions, now);
            }
            DirectMessage::Host(m) => {
                if let Some(host) = &mut self.host {
                    let actions = host.on_message(HostPeer(index), m, now);
                    self.apply_host(actions, now);
                }
            }
        }
    }

    fn penalize(&mut self, peer: NetPeer, reason: String) {
        self.metrics.inc_peer_penalties();
        self.network.penalize(peer, reason);
    }

    /// Rules 3 and 4: carries out the relay node's actions.
    fn apply_relay(&mut self, actions: Vec<NodeAction>, now: u64) {
        for action in actions {
            match action {
                NodeAction::Send(peer, msg) => match self.peers.peer(peer.0) {
                    Some(p) => self.send(p, peer.0, DirectMessage::Relay(msg)),
                    None => tracing::debug!(target: "sync", %peer, "send to an unknown peer"),
                },
                NodeAction::Broadcast(msg) => {
                    let topic = relay_topic(&msg);
                    self.broadcast(topic, DirectMessage::Relay(msg));
                }
                NodeAction::WakeAt(at) => {
                    self.relay_wakes.insert(at);
                }
                // Rule 3: atomic batches; a refused write stops the node.
                NodeAction::Persist(batch) => {
                    if let Err(e) = self.store.write_batch(batch) {
                        self.fatal.get_or_insert(e.to_string());
                    }
                }
                NodeAction::Flush => {
                    if let Err(e) = self.store.flush() {
                        self.fatal.get_or_insert(e.to_string());
                    }
                }
                NodeAction::Penalize { peer, reason } => {
                    if let Some(p) = self.peers.peer(peer.0) {
                        self.penalize(p, reason);
                    }
                }
                NodeAction::Event(event) => self.on_node_event(event, now),
            }
        }
    }

    fn on_node_event(&mut self, event: NodeEvent, now: u64) {
        match event {
            NodeEvent::Imported { hash, number, parent, own, .. } => {
                if self.log_imports {
                    let mark = if own { "🎁" } else { "✨" };
                    tracing::info!(target: "atoll", "{mark} Imported #{} ({} → {})", number.0, short(&parent), short(&hash));
                }
                if let Some(header) = self.relay.header(&hash).cloned() {
                    let included = self.para_log.note_block(self.relay.db(), &header);
                    self.metrics.inc_included_by(included);
                }
                self.feed_host_block(hash, now);
            }
            NodeEvent::Authored { number, hash, .. } => {
                tracing::info!(target: "atoll", "🔖 Authored block #{} ({})", number.0, short(&hash));
            }
            NodeEvent::Finalized { hash, number } => {
                if let Some(host) = &mut self.host {
                    host.on_finalized(hash, number);
                }
                if !self.pool.is_empty() {
                    if let Some(root) = self.relay.header(&hash).map(|h| h.state_root) {
                        let db = self.relay.db();
                        let nonce_of = |who: &_| queries::nonce(db, &root, who).ok();
                        self.pool.prune_finalized(nonce_of);
                    }
                }
            }
            NodeEvent::Reverted { hash, number, blocks } => {
                tracing::warn!(target: "atoll", "♻️ Reverted #{} ({}) and {} descendants: a dispute concluded against a candidate they carry", number.0, short(&hash), blocks.saturating_sub(1));
            }
            NodeEvent::Rejected { hash, from, reason } => {
                tracing::warn!(target: "atoll", ?from, "block {} refused: {reason}", short(&hash));
            }
            NodeEvent::EquivocationDetected { kind, offender } => {
                tracing::warn!(target: "atoll", "equivocation ({kind}) by validator {}", offender.0);
            }
        }
    }

    /// The pooled transactions already carried by the best block or its unfinalized ancestors
    /// (an author building on the best block leaves them out).
    fn pooled_on_best_chain(&self) -> BTreeSet<Hash> {
        let mut on_chain = BTreeSet::new();
        if self.pool.is_empty() {
            return on_chain;
        }
        let (_, finalized) = self.relay.finalized();
        let (mut hash, _) = self.relay.best();
        while let Some(block) = self.relay.block(&hash) {
            if block.header.number <= finalized {
                break;
            }
            on_chain.extend(RelayPool::carried_by(block).filter(|h| self.pool.contains(h)));
            hash = block.header.parent_hash;
        }
        on_chain
    }

    /// Rule 8: the host learns every imported block.
    fn feed_host_block(&mut self, hash: Hash, now: u64) {
        let Some(host) = self.host.as_mut() else { return };
        let (Some(block), Some(header)) = (self.relay.block(&hash), self.relay.header(&hash))
        else {
            return;
        };
        match relay_block_info(self.relay.db(), header, block, &mut self.sessions) {
            Ok(info) => {
                let actions = host.on_relay_block(info, now);
                self.apply_host(actions, now);
            }
            Err(e) => {
                tracing::warn!(target: "parachain", %hash, error = %e, "cannot read the block's parachain data")
            }
        }
    }

    /// Rule 4: carries out the host's actions.
    fn apply_host(&mut self, actions: Vec<HostAction>, now: u64) {
        for action in actions {
            match action {
                HostAction::Send(Target::Validator(v), msg) => self.send_to_validator(v, msg, now),
                HostAction::Send(Target::Peer(p), msg) => match self.peers.peer(p.0) {
                    Some(peer) => self.send(peer, p.0, DirectMessage::Host(msg)),
                    None => {
                        tracing::debug!(target: "parachain", peer = p.0, "send to an unknown peer")
                    }
                },
                HostAction::Broadcast(msg) => {
                    let topic = host_topic(&msg);
                    self.broadcast(topic, DirectMessage::Host(msg));
                }
                HostAction::Validate(request) => self.dispatch_validation(request, now),
                HostAction::WakeAt(at) => {
                    self.host_wakes.insert(at);
                }
                HostAction::Penalize { peer, reason } => {
                    if let Some(p) = self.peers.peer(peer.0) {
                        self.penalize(p, reason);
                    }
                }
                HostAction::Revert { block } => {
                    let (_, actions) = self.relay.revert(&block, now);
                    self.apply_relay(actions, now);
                }
                // The router turns every `Check` into recovery and `Validate`.
                HostAction::Check(_) => {}
                HostAction::Event(event) => self.on_host_event(event),
            }
        }
    }

    fn on_host_event(&mut self, event: HostEvent) {
        let m = &self.metrics;
        match &event {
            HostEvent::Seconded { .. } => m.inc_seconded(),
            HostEvent::Backable { .. } => m.inc_backed(),
            HostEvent::ApprovalSigned { .. } => m.inc_approvals(),
            HostEvent::NoShow { .. } => m.inc_no_shows(),
            HostEvent::BlockApproved { number, .. } => {
                self.approved_height = self.approved_height.max(*number);
            }
            HostEvent::DisputeOpened { .. } => m.inc_disputes_opened(),
            HostEvent::DisputeConcluded { valid, .. } => m.dispute_concluded(*valid),
            HostEvent::InternalError { candidate_hash, reason } => {
                tracing::warn!(target: "parachain", %candidate_hash, %reason, "internal error (no vote cast)")
            }
            HostEvent::RecoveryFailed { candidate_hash, reason } => {
                tracing::warn!(target: "parachain", %candidate_hash, %reason, "availability recovery failed")
            }
            HostEvent::CollationRejected { candidate_hash, reason } => {
                tracing::info!(target: "parachain", %candidate_hash, %reason, "collation rejected")
            }
            _ => {}
        }
        tracing::debug!(target: "parachain", ?event);
    }

    /// Sends a host message to validator `v` of the best block's session, through the peer its
    /// authority record names (rule 7).
    pub(crate) fn send_to_validator(&mut self, v: ValidatorIndex, msg: HostMessage, now: u64) {
        let best = self.relay.best().0;
        let Some(header) = self.relay.header(&best) else { return };
        let authority = match self.sessions.get(self.relay.db(), header) {
            Ok(info) => info.validators.get(v.0 as usize).copied(),
            Err(_) => None,
        };
        let Some(authority) = authority else { return };
        if self.key.as_ref().is_some_and(|k| k.public() == authority) {
            // To ourselves: hand it to our own host.
            if let Some(host) = &mut self.host {
                let actions = host.on_message(HostPeer(u64::MAX), msg, now);
                self.apply_host(actions, now);
            }
            return;
        }
        match self.peers.authority_peer(&authority) {
            Some(peer) => {
                let index = self.peers.index(peer);
                self.send(peer, index, DirectMessage::Host(msg));
            }
            None => {
                tracing::debug!(target: "parachain", validator = v.0, "no known peer for validator yet")
            }
        }
    }

    /// Rules 5 and 6: one message to one peer, on the reply of the request it answers or on
    /// its protocol.
    fn send(&mut self, peer: NetPeer, index: u64, msg: DirectMessage) {
        if let Some(pending) = self.reply.take() {
            if pending.peer == index && answers(pending.protocol, &msg) {
                let bytes = match &msg {
                    DirectMessage::Relay(m) => m.encode(),
                    DirectMessage::Host(m) => m.encode(),
                };
                self.network.respond(pending.reply, bytes);
                return;
            }
            self.reply = Some(pending);
        }
        let (protocol, bytes) = match &msg {
            DirectMessage::Relay(m) => match relay_protocol(m) {
                Protocol::Sync => (Protocol::Sync, m.encode()),
                p => (p, msg.encode()),
            },
            DirectMessage::Host(m) => match host_protocol(m) {
                Protocol::Direct => (Protocol::Direct, msg.encode()),
                p => (p, m.encode()),
            },
        };
        let rx = self.network.send_request(peer, protocol, bytes);
        let tx = self.response_tx.clone();
        let expects_answer = matches!(protocol, Protocol::Sync | Protocol::Pov | Protocol::Chunk);
        tokio::spawn(async move {
            let result = match rx.await {
                Ok(Ok(bytes)) => Ok(bytes),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("the network stopped".to_string()),
            };
            if expects_answer || result.is_err() {
                let _ = tx.send(ResponseDone { peer, protocol, result });
            }
        });
    }

    /// Rule 4: gossip when small enough, else the message goes to every connected peer.
    fn broadcast(&mut self, topic: Option<Topic>, msg: DirectMessage) {
        let payload = match &msg {
            DirectMessage::Relay(m) => m.encode(),
            DirectMessage::Host(m) => m.encode(),
        };
        match topic {
            Some(topic) if payload.len() <= MAX_GOSSIP_PAYLOAD => {
                self.network.publish(topic, payload)
            }
            _ => {
                for peer in self.network.connected_peers() {
                    let index = self.peers.index(peer);
                    self.send(peer, index, msg.clone());
                }
            }
        }
    }

    /// Rule 9: a validation runs off the event loop; its code comes from the relay parent's
    /// state. A code we cannot load is our failure, never an `Invalid` verdict.
    fn dispatch_validation(&mut self, request: ValidationRequest, now: u64) {
        let descriptor = &request.candidate.descriptor;
        let code = match self.relay.header(&descriptor.relay_parent) {
            None => Err(format!("relay parent {} unknown", descriptor.relay_parent)),
            Some(parent) => match atoll_relay_chain::code_by_hash(
                self.relay.db(),
                &parent.state_root,
                &descriptor.validation_code_hash,
            ) {
                Ok(Some(code)) => Ok(code),
                Ok(None) => Err("validation code not in the relay parent's state".to_string()),
                Err(e) => Err(e.to_string()),
            },
        };
        let code = match code {
            Ok(code) => code,
            Err(reason) => {
                if let Some(host) = &mut self.host {
                    let actions = host.on_validation_result(
                        &request,
                        ValidationVerdict::Internal(reason),
                        now,
                    );
                    self.apply_host(actions, now);
                }
                return;
            }
        };
        let code_hash = descriptor.validation_code_hash;
        let params = request.validation_params();
        let kind = match request.kind {
            ExecutionKind::Backing => TimeoutKind::Backing,
            ExecutionKind::Approval => TimeoutKind::Approval,
        };
        let pvf = self.pvf.clone();
        let tx = self.verdict_tx.clone();
        self.validations_running += 1;
        tokio::task::spawn_blocking(move || {
            // The shell times executions for the metrics.
            #[allow(clippy::disallowed_methods)]
            let started = Instant::now();
            let (outcome, times) =
                pvf.validate_by_hash_timed(code_hash, move || Ok(code), &params, kind);
            let verdict = match outcome {
                ValidationOutcome::Valid(result) => ValidationVerdict::Valid(result),
                ValidationOutcome::Invalid(reason) => {
                    ValidationVerdict::Invalid(reason.to_string())
                }
                ValidationOutcome::Internal(e) => ValidationVerdict::Internal(e.to_string()),
            };
            let seconds = started.elapsed().as_secs_f64();
            let prepare_seconds = times.prepare.as_secs_f64();
            let _ = tx.send(VerdictDone { request, verdict, seconds, prepare_seconds });
        });
    }

    /// After every input: report a new best or finalized block to subscribers, metrics and the
    /// collator hook.
    fn after(&mut self, now: u64) {
        let best = self.relay.best();
        if best != self.last_best {
            self.last_best = best;
            if let Some(header) = self.relay.header(&best.0) {
                let _ = self.feeds.new_heads.send(header_json(header));
            }
            if let Some(mut follower) = self.follower.take() {
                let messages = follower.on_new_best(&self.relay, &mut self.sessions, best.0);
                self.follower = Some(follower);
                for (v, msg) in messages {
                    self.send_to_validator(v, msg, now);
                }
            }
        }
        let finalized = self.relay.finalized();
        if finalized != self.last_finalized {
            self.last_finalized = finalized;
            if let Some(header) = self.relay.header(&finalized.0) {
                let _ = self.feeds.finalized.send(header_json(header));
            }
            if let Some(follower) = self.follower.as_mut() {
                follower.on_finalized(&self.relay, finalized.0, finalized.1);
            }
        }
        self.metrics.block_height(best.1 .0 as u64, finalized.1 .0 as u64);
        if self.host.is_some() {
            // How far finality is held back by approval checking: unfinalized blocks above the
            // highest approved one.
            let held = best.1 .0.saturating_sub(self.approved_height.0.max(finalized.1 .0));
            self.metrics.approval_checking_finality_lag(held as u64);
        }
    }

    /// How many peers are connected.
    pub fn relay_peers(&self) -> usize {
        self.network.connected_peers().len()
    }

    /// Our network identity.
    pub fn local_peer_id(&self) -> String {
        self.network.local_peer_id().to_string()
    }

    /// Whether the node is far behind what its peers announce.
    pub fn is_syncing(&self) -> bool {
        let ours = self.relay.best().1 .0;
        self.peer_status.values().any(|s| s.best.1 .0 > ours.saturating_add(5))
    }
}

/// `0xabcd…ef01`.
pub fn short(hash: &Hash) -> String {
    let h = hex::encode(hash.as_bytes());
    format!("0x{}…{}", &h[..4], &h[h.len() - 4..])
}
