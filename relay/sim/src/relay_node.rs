//! A relay node in the simulator: [`RelaySimNode`] runs `atoll-node-core`'s [`RelayNode`] as a
//! [`SimNode`], records what it reports, and can be one of the named byzantine stand-ins.

use atoll_consensus::finality::sign_vote;
use atoll_node_core::persist::Restored;
use atoll_node_core::{NetworkMessage, NodeAction, NodeConfig, NodeEvent, PeerId, RelayNode};
use atoll_primitives::relay::{RelayHeader, Vote};
use atoll_primitives::Hash;
use atoll_relay_chain::{RelayCall, RelayExtrinsic, SignedTransaction};
use atoll_trie::StateDb;

use crate::node::{Ctx, NodeId, SimNode};
use crate::store::SimStore;

/// How a simulated node behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// Follows the protocol.
    Honest,
    /// Runs, imports and votes locally, but never sends anything.
    Silent,
    /// Seals a second, different block for each slot it wins and sends one block to half of
    /// the network and the other block to the other half.
    EquivocatingAuthor,
    /// Signs, for each of its votes, a second vote of the same round and stage for another
    /// block, and sends both to everyone.
    EquivocatingVoter,
}

/// What a node reported, with the virtual time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    /// When.
    pub at_ms: u64,
    /// What.
    pub event: NodeEvent,
}

/// A relay node driven by the simulator.
pub struct RelaySimNode {
    node: RelayNode,
    behaviour: Behaviour,
    events: Vec<Reported>,
    penalties: Vec<(u64, PeerId, String)>,
    genesis: RelayHeader,
}

impl RelaySimNode {
    /// Wraps a node.
    pub fn new(node: RelayNode, genesis: RelayHeader, behaviour: Behaviour) -> Self {
        RelaySimNode { node, behaviour, events: Vec::new(), penalties: Vec::new(), genesis }
    }

    /// Rebuilds a node from its store (rule 6 of `atoll-node-core`).
    pub fn restore(
        config: NodeConfig,
        genesis: RelayHeader,
        db: StateDb,
        key: Option<atoll_primitives::crypto::Pair>,
        store: &SimStore,
        now_ms: u64,
    ) -> Result<Self, atoll_node_core::NodeError> {
        let restored = Restored::from_pairs(store.scan_prefix(b""))?;
        let node = RelayNode::restore(config, genesis.clone(), db, key, restored, now_ms)?;
        Ok(RelaySimNode::new(node, genesis, Behaviour::Honest))
    }

    /// The node.
    pub fn node(&self) -> &RelayNode {
        &self.node
    }

    /// The node, mutably.
    pub fn node_mut(&mut self) -> &mut RelayNode {
        &mut self.node
    }

    /// Everything it reported.
    pub fn events(&self) -> &[Reported] {
        &self.events
    }

    /// Peers it penalised, with the reason.
    pub fn penalties(&self) -> &[(u64, PeerId, String)] {
        &self.penalties
    }

    /// Its behaviour.
    pub fn behaviour(&self) -> Behaviour {
        self.behaviour
    }

    /// Changes its behaviour.
    pub fn set_behaviour(&mut self, behaviour: Behaviour) {
        self.behaviour = behaviour;
    }

    /// The genesis header.
    pub fn genesis(&self) -> &RelayHeader {
        &self.genesis
    }

    fn apply(&mut self, ctx: &mut Ctx<'_, NetworkMessage>, actions: Vec<NodeAction>) {
        let now = ctx.now_ms();
        for action in actions {
            match action {
                NodeAction::Send(peer, msg) => self.send(ctx, Some(peer), msg),
                NodeAction::Broadcast(msg) => self.send(ctx, None, msg),
                NodeAction::WakeAt(at) => ctx.set_timer(at, 0),
                NodeAction::Persist(batch) => ctx.store().write_batch(batch),
                NodeAction::Flush => ctx.store().flush(),
                NodeAction::Penalize { peer, reason } => self.penalties.push((now, peer, reason)),
                NodeAction::Event(event) => {
                    if let NodeEvent::Finalized { hash, number } = &event {
                        ctx.note((b"finalized", *hash, *number));
                    }
                    self.events.push(Reported { at_ms: now, event });
                }
            }
        }
    }

    fn send(&mut self, ctx: &mut Ctx<'_, NetworkMessage>, to: Option<PeerId>, msg: NetworkMessage) {
        match (self.behaviour, &msg) {
            (Behaviour::Silent, _) => {}
            (Behaviour::EquivocatingAuthor, NetworkMessage::Block(block)) if to.is_none() => {
                let twin = self.twin_block(block);
                let me = ctx.me();
                let n = self.validator_count();
                for peer in (0..n).map(NodeId).filter(|p| *p != me) {
                    let m = match (&twin, peer.0 % 2) {
                        (Some(t), 1) => NetworkMessage::Block(t.clone()),
                        _ => msg.clone(),
                    };
                    ctx.send(peer, m);
                }
            }
            (Behaviour::EquivocatingVoter, NetworkMessage::Vote(vote)) if to.is_none() => {
                let twin = self.twin_vote(&vote.vote);
                ctx.broadcast(msg.clone());
                if let Some(twin) = twin {
                    ctx.broadcast(NetworkMessage::Vote(twin));
                }
            }
            _ => match to {
                Some(peer) => ctx.send(NodeId(peer.0 as u32), msg),
                None => ctx.broadcast(msg),
            },
        }
    }

    /// The number of validators, which is the number of simulated nodes in a [`crate::relay_net::RelayNet`].
    fn validator_count(&self) -> u32 {
        self.node
            .header(&self.node.best().0)
            .and_then(|h| atoll_relay_chain::validators(self.node.db(), &h.state_root).ok())
            .map(|v| v.len() as u32)
            .unwrap_or(0)
    }

    /// The equivocating author's second block for the same slot: the same parent, plus a
    /// one-unit transfer to itself so that the two differ.
    fn twin_block(
        &mut self,
        block: &atoll_relay_chain::RelayBlock,
    ) -> Option<atoll_relay_chain::RelayBlock> {
        let pair = self.node.key()?.clone();
        let parent = self.node.header(&block.header.parent_hash)?.clone();
        let genesis_hash = self.genesis.hash();
        let nonce =
            atoll_relay_chain::nonce(self.node.db(), &parent.state_root, &pair.public()).ok()?;
        let tx = SignedTransaction::new(
            &pair,
            genesis_hash,
            nonce,
            RelayCall::Transfer { dest: pair.public(), amount: 1 },
        );
        let slot = block.header.pre_digest.slot;
        self.node.author_block_on(parent.hash(), slot, vec![RelayExtrinsic::Signed(tx)])
    }

    /// The equivocating voter's second vote: same set, round and stage, for the target's
    /// parent (or, at genesis, the same target can't differ: no twin).
    fn twin_vote(&self, vote: &Vote) -> Option<atoll_primitives::relay::SignedVote> {
        let pair = self.node.key()?;
        let header = self.node.header(&vote.target_hash)?;
        if header.number.0 == 0 {
            return None;
        }
        let parent: Hash = header.parent_hash;
        let index = atoll_relay_chain::validators(self.node.db(), &header.state_root)
            .ok()?
            .iter()
            .position(|v| *v == pair.public())?;
        let twin = Vote {
            target_hash: parent,
            target_number: atoll_primitives::BlockNumber(header.number.0 - 1),
            ..vote.clone()
        };
        Some(sign_vote(pair, atoll_primitives::ValidatorIndex(index as u32), twin))
    }
}

impl SimNode for RelaySimNode {
    type Message = NetworkMessage;

    fn on_start(&mut self, ctx: &mut Ctx<'_, NetworkMessage>) {
        let actions = self.node.on_start(ctx.now_ms());
        self.apply(ctx, actions);
    }

    fn on_message(
        &mut self,
        ctx: &mut Ctx<'_, NetworkMessage>,
        from: NodeId,
        msg: &NetworkMessage,
    ) {
        let actions = self.node.on_message(ctx.now_ms(), PeerId(from.0 as u64), msg.clone());
        self.apply(ctx, actions);
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, NetworkMessage>, _timer: u64) {
        let actions = self.node.on_tick(ctx.now_ms());
        self.apply(ctx, actions);
    }
}
