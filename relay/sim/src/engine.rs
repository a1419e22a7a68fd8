//! The event queue in virtual time (rules 1–5).

use std::collections::BTreeMap;
use std::sync::Arc;

use atoll_primitives::Hash;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::event_log::{EventKind, EventLog};
use crate::network::{LinkProfile, Network};
use crate::node::{Ctx, NodeId, Recipients, SimNode};
use crate::store::SimStore;

/// Settings of a simulation.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The scenario seed (rule 2).
    pub seed: u64,
    /// Every link's default behaviour.
    pub link: LinkProfile,
    /// How many recent log entries to keep for debugging.
    pub log_tail: usize,
}

impl SimConfig {
    /// Default links, a short log tail.
    pub fn with_seed(seed: u64) -> Self {
        SimConfig { seed, link: LinkProfile::default(), log_tail: 64 }
    }
}

/// Whether a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStatus {
    /// Running.
    Up,
    /// Crashed, not yet restarted.
    Down,
}

struct NodeSlot<N> {
    node: Option<N>,
    status: NodeStatus,
    store: SimStore,
    rng: ChaCha8Rng,
    /// Bumped at each crash so that timers set before it never fire (rule 4).
    epoch: u64,
}

enum Event<M> {
    Start { node: NodeId },
    Deliver { to: NodeId, from: NodeId, msg: Arc<M>, digest: Hash },
    Timer { node: NodeId, timer: u64, epoch: u64 },
}

/// A simulated network of nodes of type `N`.
pub struct Simulation<N: SimNode> {
    now_ms: u64,
    seq: u64,
    queue: BTreeMap<(u64, u64), Event<N::Message>>,
    nodes: Vec<NodeSlot<N>>,
    network: Network,
    net_rng: ChaCha8Rng,
    log: EventLog,
    delivered: u64,
    dropped: u64,
}

fn node_rng(seed: u64, node: NodeId) -> ChaCha8Rng {
    // Rule 2: one stream per node, from the scenario seed and the node id.
    let h = Hash::of_encoded(&(b"atoll-sim-node", seed, node.0));
    ChaCha8Rng::from_seed(h.0)
}

impl<N: SimNode> Simulation<N> {
    /// A simulation of `nodes` (node `i` gets id `i`), all starting at time 0.
    pub fn new(config: SimConfig, nodes: Vec<N>) -> Self {
        let mut sim = Simulation {
            now_ms: 0,
            seq: 0,
            queue: BTreeMap::new(),
            nodes: Vec::with_capacity(nodes.len()),
            network: Network::new(config.link),
            net_rng: ChaCha8Rng::from_seed(Hash::of_encoded(&(b"atoll-sim-net", config.seed)).0),
            log: EventLog::new(config.log_tail),
            delivered: 0,
            dropped: 0,
        };
        for (i, node) in nodes.into_iter().enumerate() {
            let id = NodeId(i as u32);
            sim.nodes.push(NodeSlot {
                node: Some(node),
                status: NodeStatus::Up,
                store: SimStore::new(),
                rng: node_rng(config.seed, id),
                epoch: 0,
            });
            sim.push(0, Event::Start { node: id });
        }
        sim
    }

    fn push(&mut self, at_ms: u64, event: Event<N::Message>) {
        self.seq += 1;
        self.queue.insert((at_ms, self.seq), event);
    }

    /// The current virtual time, ms.
    pub fn now_ms(&self) -> u64 {
        self.now_ms
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Every node id.
    pub fn ids(&self) -> impl Iterator<Item = NodeId> {
        (0..self.nodes.len() as u32).map(NodeId)
    }

    /// A running node.
    pub fn node(&self, id: NodeId) -> Option<&N> {
        self.nodes.get(id.0 as usize).and_then(|s| s.node.as_ref())
    }

    /// A running node, mutably (for scenario set-up such as turning a node byzantine).
    pub fn node_mut(&mut self, id: NodeId) -> Option<&mut N> {
        self.nodes.get_mut(id.0 as usize).and_then(|s| s.node.as_mut())
    }

    /// A node's status.
    pub fn status(&self, id: NodeId) -> Option<NodeStatus> {
        self.nodes.get(id.0 as usize).map(|s| s.status)
    }

    /// A node's store (also of a crashed node).
    pub fn store(&self, id: NodeId) -> Option<&SimStore> {
        self.nodes.get(id.0 as usize).map(|s| &s.store)
    }

    /// The network, to partition, heal or change links.
    pub fn network_mut(&mut self) -> &mut Network {
        &mut self.network
    }

    /// The event log.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// (delivered, dropped) message counts.
    pub fn message_counts(&self) -> (u64, u64) {
        (self.delivered, self.dropped)
    }

    /// Rule 4: crashes `id` now: its in-memory state is gone, its unflushed writes are lost.
    /// Returns how many writes were lost.
    pub fn crash(&mut self, id: NodeId) -> usize {
        let now = self.now_ms;
        let Some(slot) = self.nodes.get_mut(id.0 as usize) else { return 0 };
        slot.node = None;
        slot.status = NodeStatus::Down;
        slot.epoch += 1;
        let lost = slot.store.lose_unflushed();
        self.log.append(now, id, EventKind::Crash, Hash::of_encoded(&(lost as u64)));
        lost
    }

    /// Restarts a crashed node, rebuilt by `make` from its store; it starts now.
    pub fn restart(&mut self, id: NodeId, make: impl FnOnce(&SimStore) -> N) {
        let now = self.now_ms;
        let Some(slot) = self.nodes.get_mut(id.0 as usize) else { return };
        slot.node = Some(make(&slot.store));
        slot.status = NodeStatus::Up;
        self.push(now, Event::Start { node: id });
    }

    /// Delivers `msg` from `from` to `to` after `delay_ms`, bypassing the network model (for
    /// scenarios that inject crafted messages, such as a byzantine peer's bad blocks).
    pub fn inject(&mut self, from: NodeId, to: NodeId, msg: N::Message, delay_ms: u64) {
        let digest = Hash::of_encoded(&msg);
        let at = self.now_ms + delay_ms;
        self.push(at, Event::Deliver { to, from, msg: Arc::new(msg), digest });
    }

    /// Handles every event up to and including `t_ms`, then sets the clock to `t_ms`.
    pub fn run_until(&mut self, t_ms: u64) {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > t_ms {
                break;
            }
            let ((at, _), event) = entry.remove_entry();
            self.now_ms = at;
            self.handle(event);
        }
        self.now_ms = self.now_ms.max(t_ms);
    }

    /// Runs for `ms` more milliseconds.
    pub fn run_for(&mut self, ms: u64) {
        let until = self.now_ms + ms;
        self.run_until(until);
    }

    fn handle(&mut self, event: Event<N::Message>) {
        let now = self.now_ms;
        match event {
            Event::Start { node } => {
                self.log.append(now, node, EventKind::Start, Hash::ZERO);
                self.invoke(node, |n, ctx| n.on_start(ctx));
            }
            Event::Deliver { to, from, msg, digest } => {
                let up = self.nodes.get(to.0 as usize).is_some_and(|s| s.status == NodeStatus::Up);
                if !up {
                    self.dropped += 1;
                    self.log.append(now, to, EventKind::Drop, digest);
                    return;
                }
                self.delivered += 1;
                self.log.append(now, to, EventKind::Deliver, digest);
                self.invoke(to, |n, ctx| n.on_message(ctx, from, &msg));
            }
            Event::Timer { node, timer, epoch } => {
                let live = self
                    .nodes
                    .get(node.0 as usize)
                    .is_some_and(|s| s.status == NodeStatus::Up && s.epoch == epoch);
                if !live {
                    return;
                }
                self.log.append(now, node, EventKind::Timer, Hash::of_encoded(&timer));
                self.invoke(node, |n, ctx| n.on_timer(ctx, timer));
            }
        }
    }

    fn invoke(&mut self, id: NodeId, f: impl FnOnce(&mut N, &mut Ctx<'_, N::Message>)) {
        let now = self.now_ms;
        let Some(slot) = self.nodes.get_mut(id.0 as usize) else { return };
        let epoch = slot.epoch;
        let NodeSlot { node, store, rng, .. } = slot;
        let Some(node) = node.as_mut() else { return };
        let mut ctx = Ctx {
            now_ms: now,
            me: id,
            rng,
            store,
            sends: Vec::new(),
            timers: Vec::new(),
            notes: Vec::new(),
        };
        f(node, &mut ctx);
        let Ctx { sends, timers, notes, .. } = ctx;
        for note in notes {
            self.log.append(now, id, EventKind::Note, Hash::of(&note));
        }
        for (at, timer) in timers {
            self.push(at.max(now), Event::Timer { node: id, timer, epoch });
        }
        let n = self.nodes.len() as u32;
        for (to, msg) in sends {
            let digest = Hash::of_encoded(&msg);
            let msg = Arc::new(msg);
            let targets: Vec<NodeId> = match to {
                Recipients::One(t) => vec![t],
                Recipients::All => (0..n).map(NodeId).filter(|t| *t != id).collect(),
                Recipients::Many(list) => list,
            };
            for target in targets {
                // Rule 3.
                match self.network.delay(id, target, &mut self.net_rng) {
                    Some(d) => self.push(
                        now + d,
                        Event::Deliver { to: target, from: id, msg: Arc::clone(&msg), digest },
                    ),
                    None => {
                        self.dropped += 1;
                        self.log.append(now, target, EventKind::Drop, digest);
                    }
                }
            }
        }
    }
}
