//! [`RelayNode`]: block import, authoring, finality and sync (rules 1–6 in the crate docs).

use std::collections::{BTreeMap, BTreeSet};

use std::sync::Arc;

use atoll_consensus::finality::{
    FinalityAction, FinalityError, FinalityVoter, LocalVoter, VoterSet, VoterSetError, VotingRule,
};
use atoll_consensus::{
    claim_slot, next_slot_start_ms, seal, slot_at, verify_header, AuthorEquivocationDetector,
    BlockTree,
};
use atoll_primitives::crypto::Pair;
use atoll_primitives::relay::{Justification, RelayHeader, Slot};
use atoll_primitives::{BlockNumber, Hash, SessionIndex, ValidatorIndex};
use atoll_relay_chain::{
    build_block, epoch_for_child, execute_block, ChainError, RelayBlock, RelayExtrinsic,
};
use atoll_trie::StateDb;
use parity_scale_codec::Encode;

use crate::action::{NodeAction, NodeEvent, PeerId};
use crate::config::NodeConfig;
use crate::message::NetworkMessage;
use crate::persist::{
    block_write, justification_key, CorruptStore, Restored, FINALIZED_KEY, VOTER_KEY,
};

/// How many blocks below our best a sync request starts (see `RelayNode::sync_base`).
const SYNC_OVERLAP: u32 = 8;

/// Why a node could not be created or restored.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The chain's state could not be read.
    #[error("chain state: {0}")]
    Chain(#[from] ChainError),
    /// The voter set is unusable.
    #[error("voter set: {0}")]
    VoterSet(#[from] VoterSetError),
    /// The finality voter could not be created.
    #[error("finality voter: {0}")]
    Finality(#[from] FinalityError),
    /// The store holds something that does not decode.
    #[error(transparent)]
    Corrupt(#[from] CorruptStore),
    /// A stored block does not import: the store does not match the chain.
    #[error("stored block {hash} (#{number}) does not import: {reason}")]
    StoredBlock {
        /// The block.
        hash: Hash,
        /// Its number.
        number: BlockNumber,
        /// Why.
        reason: String,
    },
    /// An internal invariant broke.
    #[error("invariant: {0}")]
    Invariant(&'static str),
}

/// A relay node (validator or full node) as a pure state machine.
pub struct RelayNode {
    config: NodeConfig,
    key: Option<Pair>,
    db: StateDb,
    slot_duration_ms: u64,
    headers: BTreeMap<Hash, RelayHeader>,
    blocks: BTreeMap<Hash, RelayBlock>,
    sessions: BTreeMap<Hash, SessionIndex>,
    tree: BlockTree,
    voter: FinalityVoter,
    detector: AuthorEquivocationDetector,
    pending: BTreeMap<Hash, Vec<(Option<PeerId>, RelayBlock, u64)>>,
    pending_count: usize,
    evidence: Vec<RelayExtrinsic>,
    justifications: BTreeMap<BlockNumber, Justification>,
    set_change_blocks: BTreeSet<Hash>,
    finalized: (Hash, BlockNumber),
    best: (Hash, BlockNumber),
    last_slot: Slot,
    requested: BTreeMap<Hash, u64>,
    registered_change: Option<Hash>,
    last_sync_request_ms: Option<u64>,
    next_status_ms: u64,
    wakes: BTreeSet<u64>,
    voting_rule: Option<Arc<dyn VotingRule>>,
}

/// A shared voting rule handed to each voter the node creates (one per voter set).
struct SharedRule(Arc<dyn VotingRule>);

impl VotingRule for SharedRule {
    fn restrict(
        &self,
        base: (Hash, BlockNumber),
        best: (Hash, BlockNumber),
        ancestry: &dyn atoll_consensus::Ancestry,
    ) -> (Hash, BlockNumber) {
        self.0.restrict(base, best, ancestry)
    }
}

/// The voter set of the session at `header`, and our place in it if `key` is a member.
fn voter_for(
    db: &StateDb,
    header: &RelayHeader,
    key: Option<&Pair>,
) -> Result<(VoterSet, Option<LocalVoter>), NodeError> {
    let set_id = atoll_relay_chain::session_index(db, &header.state_root)?;
    let validators = atoll_relay_chain::validators(db, &header.state_root)?;
    let set = VoterSet::new(set_id, validators)?;
    let local = key.and_then(|pair| {
        set.index_of(&pair.public()).map(|index| LocalVoter { index, pair: pair.clone() })
    });
    Ok((set, local))
}

impl RelayNode {
    /// A node at genesis: `db` holds the genesis state of `genesis`; `key` makes it a validator.
    pub fn new(
        config: NodeConfig,
        genesis: RelayHeader,
        db: StateDb,
        key: Option<Pair>,
        now_ms: u64,
    ) -> Result<RelayNode, NodeError> {
        let slot_duration_ms =
            atoll_relay_chain::config(&db, &genesis.state_root)?.slot_duration_ms;
        let (set, local) = voter_for(&db, &genesis, key.as_ref())?;
        let hash = genesis.hash();
        let base = (hash, genesis.number);
        let voter = FinalityVoter::new(config.finality, set, local, base, now_ms)?;
        let mut headers = BTreeMap::new();
        headers.insert(hash, genesis.clone());
        let mut sessions = BTreeMap::new();
        sessions.insert(hash, SessionIndex(0));
        Ok(RelayNode {
            config,
            key,
            db,
            slot_duration_ms: slot_duration_ms.max(1),
            headers,
            blocks: BTreeMap::new(),
            sessions,
            tree: BlockTree::from_header(&genesis),
            voter,
            detector: AuthorEquivocationDetector::new(config.equivocation_window_slots),
            pending: BTreeMap::new(),
            pending_count: 0,
            evidence: Vec::new(),
            justifications: BTreeMap::new(),
            set_change_blocks: BTreeSet::new(),
            finalized: base,
            best: base,
            last_slot: Slot(0),
            requested: BTreeMap::new(),
            registered_change: None,
            last_sync_request_ms: None,
            // Mid-slot, away from the slot boundary when new blocks are still propagating.
            next_status_ms: now_ms + slot_duration_ms.max(1) / 2,
            wakes: BTreeSet::new(),
            voting_rule: None,
        })
    }

    /// Rule 6: a node rebuilt from what it stored: every stored block re-imported, the
    /// finalized block and the voter snapshot restored.
    pub fn restore(
        config: NodeConfig,
        genesis: RelayHeader,
        db: StateDb,
        key: Option<Pair>,
        restored: Restored,
        now_ms: u64,
    ) -> Result<RelayNode, NodeError> {
        // Re-import as an observer (no key): nothing is signed while replaying.
        let mut node = RelayNode::new(config, genesis, db, None, now_ms)?;
        let mut sink = Vec::new();
        for block in restored.blocks {
            let (hash, number) = (block.hash(), block.header.number);
            if number <= node.finalized.1 {
                continue;
            }
            if let Err(reason) = node.import_checked(block, None, now_ms, &mut sink) {
                return Err(NodeError::StoredBlock { hash, number, reason });
            }
        }
        for j in restored.justifications {
            node.justifications.insert(j.target_number, j);
        }
        node.key = key;
        let base = match restored.finalized {
            Some(f) if node.headers.contains_key(&f.0) => f,
            _ => node.tree.finalized(),
        };
        if base.1 > node.finalized.1 {
            node.tree
                .finalize(&base.0)
                .map_err(|_| NodeError::Invariant("a stored finalized block is in the tree"))?;
            node.finalized = base;
        }
        let header =
            node.headers.get(&base.0).cloned().ok_or(NodeError::Invariant("base header known"))?;
        let (set, local) = voter_for(&node.db, &header, node.key.as_ref())?;
        node.voter = match restored.voter {
            Some(snapshot) if snapshot.set_id == set.set_id() => {
                FinalityVoter::restore(config.finality, set, local, snapshot, now_ms)?
            }
            _ => FinalityVoter::new(config.finality, set, local, base, now_ms)?,
        };
        let mut actions = Vec::new();
        node.feed_voter_from(base, now_ms, &mut actions);
        Ok(node)
    }

    /// The best block.
    pub fn best(&self) -> (Hash, BlockNumber) {
        self.best
    }

    /// The finalized block.
    pub fn finalized(&self) -> (Hash, BlockNumber) {
        self.finalized
    }

    /// A known header.
    pub fn header(&self, hash: &Hash) -> Option<&RelayHeader> {
        self.headers.get(hash)
    }

    /// A known block (genesis has none).
    pub fn block(&self, hash: &Hash) -> Option<&RelayBlock> {
        self.blocks.get(hash)
    }

    /// The state store.
    pub fn db(&self) -> &StateDb {
        &self.db
    }

    /// The key, if a validator.
    pub fn key(&self) -> Option<&Pair> {
        self.key.as_ref()
    }

    /// The current voter set id.
    pub fn voter_set_id(&self) -> SessionIndex {
        self.voter.set_id()
    }

    /// The latest stored justification.
    pub fn latest_justification(&self) -> Option<&Justification> {
        self.justifications.values().next_back()
    }

    /// The slot duration of the chain.
    pub fn slot_duration_ms(&self) -> u64 {
        self.slot_duration_ms
    }

    fn wake(&mut self, at: u64, now_ms: u64, out: &mut Vec<NodeAction>) {
        if at > now_ms && self.wakes.insert(at) {
            out.push(NodeAction::WakeAt(at));
        }
    }

    /// Starts (or restarts) the node's timers.
    pub fn on_start(&mut self, now_ms: u64) -> Vec<NodeAction> {
        self.wakes.clear();
        self.on_tick(now_ms)
    }

    /// Time passed: author in a new slot (rule 2), drive the voter, send status (rule 5).
    pub fn on_tick(&mut self, now_ms: u64) -> Vec<NodeAction> {
        self.on_tick_with(now_ms, |_| Vec::new())
    }

    /// [`RelayNode::on_tick`] where a block authored now also carries `inherents(parent)`:
    /// the extrinsics the parachain host provides for a block on `parent` (its para inherent).
    pub fn on_tick_with(
        &mut self,
        now_ms: u64,
        inherents: impl FnOnce(&RelayHeader) -> Vec<RelayExtrinsic>,
    ) -> Vec<NodeAction> {
        let mut out = Vec::new();
        self.wakes = self.wakes.split_off(&now_ms.saturating_add(1));
        let slot = slot_at(now_ms, self.slot_duration_ms);
        if slot > self.last_slot {
            self.last_slot = slot;
            if let Some(block) = self.author_with(slot, inherents) {
                self.import_own(block, now_ms, &mut out);
            }
        }
        let actions = self.voter.on_tick(now_ms);
        self.handle_finality(actions, now_ms, &mut out);
        self.expire_pending(now_ms, &mut out);
        if now_ms >= self.next_status_ms {
            out.push(NodeAction::Broadcast(NetworkMessage::Status {
                best: self.best,
                finalized: self.finalized,
            }));
            self.next_status_ms = now_ms + self.config.status_interval_ms;
        }
        let next_slot = next_slot_start_ms(now_ms, self.slot_duration_ms);
        self.wake(next_slot, now_ms, &mut out);
        let status = self.next_status_ms;
        self.wake(status, now_ms, &mut out);
        out
    }

    /// Rule 1: a block whose parent nobody delivered within two status intervals is refused
    /// ("unknown parent") and its sender penalised.
    fn expire_pending(&mut self, now_ms: u64, out: &mut Vec<NodeAction>) {
        let deadline = self.config.status_interval_ms.saturating_mul(2);
        let mut expired = Vec::new();
        for (parent, waiting) in self.pending.iter_mut() {
            let (old, keep): (Vec<_>, Vec<_>) =
                waiting.drain(..).partition(|(_, _, at)| now_ms.saturating_sub(*at) > deadline);
            *waiting = keep;
            expired.extend(old.into_iter().map(|(from, block, _)| (*parent, from, block)));
        }
        self.pending.retain(|_, waiting| !waiting.is_empty());
        self.pending_count = self.pending_count.saturating_sub(expired.len());
        for (parent, from, block) in expired {
            let reason = format!("unknown parent {parent}");
            let _ = self.reject(block.hash(), from, reason, true, out);
        }
    }

    /// Rule 2: builds and seals a block for `slot` on the best viable leaf if this node can
    /// claim the slot, with the held evidence and `extra` extrinsics. Does not import or send
    /// it (see [`RelayNode::import_own`]); byzantine stand-ins call it to make a second block.
    pub fn author_block(&mut self, slot: Slot, extra: Vec<RelayExtrinsic>) -> Option<RelayBlock> {
        let parent = self.best.0;
        self.author_block_on(parent, slot, extra)
    }

    /// Rule 2 with inherents: `inherents(parent)` is asked only once the node knows it can
    /// claim `slot` on the best leaf (gathering them can be costly).
    fn author_with(
        &mut self,
        slot: Slot,
        inherents: impl FnOnce(&RelayHeader) -> Vec<RelayExtrinsic>,
    ) -> Option<RelayBlock> {
        let parent = self.best.0;
        self.author_on_with(parent, slot, inherents)
    }

    /// Sets the rule that restricts finality votes (rule 4; the parachain host's "approved and
    /// undisputed" rule). It applies to the current voter and to every later one.
    pub fn set_voting_rule(&mut self, rule: Arc<dyn VotingRule>) {
        self.voter.set_voting_rule(Box::new(SharedRule(rule.clone())));
        self.voting_rule = Some(rule);
    }

    /// Rule 7: abandons `hash` and its descendants (a dispute concluded against a candidate
    /// they carry): they are never again the best chain nor authored on. A finalized block
    /// cannot be reverted: returns `false` and changes nothing.
    pub fn revert(&mut self, hash: &Hash, now_ms: u64) -> (bool, Vec<NodeAction>) {
        let mut out = Vec::new();
        let Some(header) = self.headers.get(hash) else { return (false, out) };
        if header.number <= self.finalized.1 {
            return (false, out);
        }
        match self.tree.mark_reverted(hash) {
            Ok(marked) => {
                if !marked.is_empty() {
                    out.push(NodeAction::Event(NodeEvent::Reverted {
                        hash: *hash,
                        number: header.number,
                        blocks: marked.len() as u32,
                    }));
                }
                self.update_best(now_ms, &mut out);
                (true, out)
            }
            Err(_) => (false, out),
        }
    }

    /// [`RelayNode::author_block`] on a given parent.
    pub fn author_block_on(
        &mut self,
        parent: Hash,
        slot: Slot,
        extra: Vec<RelayExtrinsic>,
    ) -> Option<RelayBlock> {
        self.author_on_with(parent, slot, |_| extra)
    }

    fn author_on_with(
        &mut self,
        parent: Hash,
        slot: Slot,
        extra: impl FnOnce(&RelayHeader) -> Vec<RelayExtrinsic>,
    ) -> Option<RelayBlock> {
        let pair = self.key.clone()?;
        let parent = self.headers.get(&parent)?.clone();
        if parent.number.0 > 0 && parent.pre_digest.slot >= slot {
            return None;
        }
        let epoch = epoch_for_child(&self.db, &parent, slot).ok()?;
        let index = epoch.validators.iter().position(|v| *v == pair.public())?;
        let pre_digest = claim_slot(&epoch, slot, ValidatorIndex(index as u32), &pair)?;
        let extra = extra(&parent);
        let mut candidates = self.evidence.clone();
        candidates.extend(extra);
        let (mut block, refused) = match build_block(&mut self.db, &parent, pre_digest, candidates)
        {
            Ok(built) => built,
            Err(e) => {
                tracing::warn!(target: "node", %slot, error = %e, "cannot build a block");
                return None;
            }
        };
        self.evidence.retain(|e| !refused.iter().any(|(r, _)| r == e));
        seal(&mut block.header, &pair);
        Some(block)
    }

    /// Imports a block this node authored and broadcasts it.
    pub fn import_own(&mut self, block: RelayBlock, now_ms: u64, out: &mut Vec<NodeAction>) {
        let (hash, number, slot, primary) = (
            block.hash(),
            block.header.number,
            block.header.pre_digest.slot,
            block.header.pre_digest.primary,
        );
        let msg = NetworkMessage::Block(block.clone());
        if self.import_checked(block, None, now_ms, out).is_ok() {
            self.evidence.clear();
            out.push(NodeAction::Event(NodeEvent::Authored { hash, number, slot, primary }));
            out.push(NodeAction::Broadcast(msg));
        }
    }

    /// A peer sent a message.
    pub fn on_message(
        &mut self,
        now_ms: u64,
        from: PeerId,
        msg: NetworkMessage,
    ) -> Vec<NodeAction> {
        let mut out = Vec::new();
        match msg {
            NetworkMessage::Block(block) => {
                let _ = self.import_checked(block, Some(from), now_ms, &mut out);
            }
            NetworkMessage::Vote(vote) => {
                let target = vote.vote.target_hash;
                if vote.vote.target_number > self.finalized.1 && !self.headers.contains_key(&target)
                {
                    self.request_ancestry(target, from, now_ms, &mut out);
                }
                if vote.vote.set_id == self.voter.set_id() {
                    match self.voter.on_vote(vote, now_ms) {
                        Ok(actions) => self.handle_finality(actions, now_ms, &mut out),
                        Err(e) if e.deserves_penalty() => out.push(NodeAction::Penalize {
                            peer: from,
                            reason: format!("bad vote: {e}"),
                        }),
                        Err(_) => {}
                    }
                }
            }
            NetworkMessage::Justification(j) => {
                self.on_justification(j, Some(from), now_ms, &mut out)
            }
            NetworkMessage::Status { best, finalized } => {
                // Rule 5: one sync request per status interval, to a peer that is ahead.
                let recently = self
                    .last_sync_request_ms
                    .is_some_and(|at| now_ms.saturating_sub(at) < self.config.status_interval_ms);
                if !recently && (best.1 > self.best.1 || finalized.1 > self.finalized.1) {
                    self.last_sync_request_ms = Some(now_ms);
                    out.push(NodeAction::Send(
                        from,
                        NetworkMessage::BlocksRequest {
                            above: self.sync_base(),
                            max: self.config.sync_batch,
                        },
                    ));
                }
            }
            NetworkMessage::BlocksRequest { above, max } => {
                out.push(NodeAction::Send(from, self.blocks_response(above, max)));
            }
            NetworkMessage::AncestryRequest { hash, above } => {
                let mut blocks = Vec::new();
                let mut cursor = hash;
                while let Some(block) = self.blocks.get(&cursor) {
                    if block.header.number <= above
                        || blocks.len() >= self.config.sync_batch as usize
                    {
                        break;
                    }
                    blocks.push(block.clone());
                    cursor = block.header.parent_hash;
                }
                blocks.reverse();
                out.push(NodeAction::Send(
                    from,
                    NetworkMessage::BlocksResponse { blocks, justifications: Vec::new() },
                ));
            }
            NetworkMessage::BlocksResponse { blocks, justifications } => {
                for block in blocks.into_iter().take(self.config.sync_batch as usize) {
                    let _ = self.import_checked(block, Some(from), now_ms, &mut out);
                }
                for j in justifications {
                    self.on_justification(j, Some(from), now_ms, &mut out);
                }
            }
        }
        out
    }

    /// Where a sync starts: a little below our best block (so that a short fork of the peer
    /// arrives whole), never below our finalized block. A deeper fork shows up as blocks with
    /// unknown parents, whose ancestry is then requested.
    fn sync_base(&self) -> BlockNumber {
        BlockNumber(self.best.1 .0.saturating_sub(SYNC_OVERLAP).max(self.finalized.1 .0))
    }

    /// Rule 5: asks `peer` for a block a vote named, at most once per status interval.
    fn request_ancestry(
        &mut self,
        hash: Hash,
        peer: PeerId,
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) {
        let retry_after = self.config.status_interval_ms;
        self.requested.retain(|_, at| now_ms.saturating_sub(*at) < retry_after);
        if self.requested.len() < self.config.max_pending_blocks
            && !self.requested.contains_key(&hash)
        {
            self.requested.insert(hash, now_ms);
            out.push(NodeAction::Send(
                peer,
                NetworkMessage::AncestryRequest { hash, above: self.finalized.1 },
            ));
        }
    }

    /// Rule 5: our best chain above `above` (parents first) and the justifications a node
    /// finalized at `above` needs.
    fn blocks_response(&self, above: BlockNumber, max: u32) -> NetworkMessage {
        let max = max.min(self.config.sync_batch);
        let mut chain = Vec::new();
        let mut cursor = self.best.0;
        while let Some(h) = self.headers.get(&cursor) {
            if h.number <= above {
                break;
            }
            chain.push(cursor);
            cursor = h.parent_hash;
        }
        chain.reverse();
        let blocks: Vec<RelayBlock> =
            chain.iter().take(max as usize).filter_map(|h| self.blocks.get(h).cloned()).collect();
        let last = blocks.last().map(|b| b.header.number).unwrap_or(above);
        let first = BlockNumber(above.0.saturating_add(1));
        // A peer chooses `above`: an empty or inverted range is no justification, not a panic.
        let mut justifications: Vec<Justification> = if first <= last {
            self.justifications
                .range(first..=last)
                .filter(|(_, j)| self.set_change_blocks.contains(&j.target_hash))
                .map(|(_, j)| j.clone())
                .collect()
        } else {
            Vec::new()
        };
        if let Some((_, latest)) = self.justifications.range(..=last).next_back() {
            if latest.target_number > above && !justifications.contains(latest) {
                justifications.push(latest.clone());
            }
        }
        NetworkMessage::BlocksResponse { blocks, justifications }
    }

    fn on_justification(
        &mut self,
        j: Justification,
        from: Option<PeerId>,
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) {
        if j.target_number <= self.finalized.1 || !self.headers.contains_key(&j.target_hash) {
            return;
        }
        if j.set_id != self.voter.set_id() {
            return;
        }
        match self.voter.on_justification(j, now_ms) {
            Ok(actions) => self.handle_finality(actions, now_ms, out),
            Err(e) => {
                if let Some(peer) = from {
                    out.push(NodeAction::Penalize {
                        peer,
                        reason: format!("bad justification: {e}"),
                    });
                }
            }
        }
    }

    /// Rule 1: verifies, executes and records a block, then its waiting children.
    fn import_checked(
        &mut self,
        block: RelayBlock,
        from: Option<PeerId>,
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) -> Result<(), String> {
        let mut queue = vec![(from, block)];
        let mut first = None;
        while let Some((from, block)) = queue.pop() {
            let hash = block.hash();
            let result = self.import_one(hash, block, from, now_ms, out);
            if first.is_none() {
                first = Some(result.clone());
            }
            if result.is_ok() {
                if let Some(children) = self.pending.remove(&hash) {
                    self.pending_count = self.pending_count.saturating_sub(children.len());
                    queue.extend(children.into_iter().map(|(from, block, _)| (from, block)));
                }
            }
        }
        first.unwrap_or(Ok(()))
    }

    fn reject(
        &self,
        hash: Hash,
        from: Option<PeerId>,
        reason: String,
        penalize: bool,
        out: &mut Vec<NodeAction>,
    ) -> Result<(), String> {
        tracing::debug!(target: "node", %hash, ?from, %reason, "block rejected");
        out.push(NodeAction::Event(NodeEvent::Rejected { hash, from, reason: reason.clone() }));
        if penalize {
            if let Some(peer) = from {
                out.push(NodeAction::Penalize {
                    peer,
                    reason: format!("bad block {hash}: {reason}"),
                });
            }
        }
        Err(reason)
    }

    fn import_one(
        &mut self,
        hash: Hash,
        block: RelayBlock,
        from: Option<PeerId>,
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) -> Result<(), String> {
        if self.headers.contains_key(&hash) {
            return Ok(());
        }
        let number = block.header.number;
        if number <= self.finalized.1 {
            // Not on our finalized chain (we would know it): a stale fork.
            return Ok(());
        }
        let parent_hash = block.header.parent_hash;
        let Some(parent) = self.headers.get(&parent_hash).cloned() else {
            if self.pending_count < self.config.max_pending_blocks {
                self.pending
                    .entry(block.header.parent_hash)
                    .or_default()
                    .push((from, block, now_ms));
                self.pending_count += 1;
                if let Some(peer) = from {
                    self.request_ancestry(parent_hash, peer, now_ms, out);
                }
            }
            return Ok(());
        };
        let slot = block.header.pre_digest.slot;
        let epoch = match epoch_for_child(&self.db, &parent, slot) {
            Ok(e) => e,
            Err(e) => {
                return self.reject(hash, from, format!("no epoch for {slot}: {e}"), false, out)
            }
        };
        if let Err(e) = verify_header(&block.header, &parent, &epoch, now_ms) {
            return self.reject(hash, from, e.to_string(), true, out);
        }
        // Rule 3.
        if let Some(evidence) = self.detector.observe(&block.header, &epoch) {
            out.push(NodeAction::Event(NodeEvent::EquivocationDetected {
                kind: "author",
                offender: block.header.pre_digest.author,
            }));
            self.evidence.push(RelayExtrinsic::ReportAuthorEquivocation(Box::new(evidence)));
        }
        if let Err(e) = execute_block(&mut self.db, &parent, &block) {
            let penalize = !e.is_internal();
            return self.reject(hash, from, e.to_string(), penalize, out);
        }
        if self.tree.insert_header(&block.header).is_err() {
            return self.reject(hash, from, "not insertable in the fork tree".into(), false, out);
        }
        let header = block.header.clone();
        self.headers.insert(hash, header.clone());
        out.push(NodeAction::Persist(vec![block_write(&block)]));
        out.push(NodeAction::Flush);
        self.blocks.insert(hash, block);
        self.sessions.insert(hash, epoch.session);
        out.push(NodeAction::Event(NodeEvent::Imported {
            hash,
            number,
            parent: header.parent_hash,
            slot,
            own: from.is_none(),
        }));

        // Rule 4.
        let actions = self.voter.on_block_imported(&header, now_ms);
        self.handle_finality(actions, now_ms, out);
        let parent_session = self.sessions.get(&header.parent_hash).copied().unwrap_or_default();
        if epoch.session > parent_session {
            self.set_change_blocks.insert(hash);
        }
        self.update_best(now_ms, out);
        self.sync_set_change(now_ms, out);
        Ok(())
    }

    fn update_best(&mut self, now_ms: u64, out: &mut Vec<NodeAction>) {
        let best = self.tree.best_viable_leaf();
        if best != self.best {
            self.best = best;
            let actions = self.voter.best_block_changed(best.0, best.1, now_ms);
            self.handle_finality(actions, now_ms, out);
            self.sync_set_change(now_ms, out);
        }
    }

    /// Feeds the voter every known block above `base` (parents first), the set changes among
    /// them, and the best block.
    fn feed_voter_from(
        &mut self,
        base: (Hash, BlockNumber),
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) {
        let mut above: Vec<RelayHeader> =
            self.headers.values().filter(|h| h.number > base.1).cloned().collect();
        above.sort_by_key(|h| (h.number, h.hash()));
        for header in above {
            let hash = header.hash();
            if !self.tree.is_descendant(&hash, &base.0) {
                continue;
            }
            let actions = self.voter.on_block_imported(&header, now_ms);
            self.handle_finality(actions, now_ms, out);
        }
        let best = self.best;
        let actions = self.voter.best_block_changed(best.0, best.1, now_ms);
        self.handle_finality(actions, now_ms, out);
        self.registered_change = None;
        self.sync_set_change(now_ms, out);
    }

    /// Rule 4: the voter tracks one scheduled set change; give it the one on our best chain
    /// (or the finalized one). Two forks may each start the next session with their own block:
    /// when the best chain moves to the other fork, so does the scheduled change, and a change
    /// block that becomes final is always the one scheduled.
    fn sync_set_change(&mut self, now_ms: u64, out: &mut Vec<NodeAction>) {
        let next_set = SessionIndex(self.voter.set_id().0.saturating_add(1));
        let (best, finalized) = (self.best.0, self.finalized);
        let tree = &self.tree;
        let on_chain = |h: &Hash| *h == best || tree.is_descendant(&best, h);
        let candidate = self
            .set_change_blocks
            .iter()
            .filter(|h| self.sessions.get(h).is_some_and(|s| s.0 >= next_set.0))
            .filter_map(|h| self.headers.get(h).map(|header| (header.number, *h)))
            .filter(|(n, h)| *h == finalized.0 || (*n > finalized.1 && on_chain(h)))
            .min();
        let Some((number, hash)) = candidate else { return };
        if self.registered_change == Some(hash) {
            return;
        }
        let Some(header) = self.headers.get(&hash) else { return };
        let session = self.sessions.get(&hash).copied().unwrap_or(next_set);
        let Ok(validators) = atoll_relay_chain::validators(&self.db, &header.state_root) else {
            return;
        };
        self.registered_change = Some(hash);
        let actions =
            self.voter.on_set_change_scheduled((hash, number), session, validators, now_ms);
        self.handle_finality(actions, now_ms, out);
    }

    /// Rule 4: carries out the voter's actions.
    fn handle_finality(
        &mut self,
        actions: Vec<FinalityAction>,
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) {
        for action in actions {
            match action {
                FinalityAction::Persist(snapshot) => {
                    out.push(NodeAction::Persist(vec![(
                        VOTER_KEY.to_vec(),
                        Some(snapshot.encode()),
                    )]));
                    out.push(NodeAction::Flush);
                }
                FinalityAction::Broadcast(vote) => {
                    out.push(NodeAction::Broadcast(NetworkMessage::Vote(vote)));
                }
                FinalityAction::Finalized { hash, number, justification } => {
                    self.on_finalized(hash, number, justification, now_ms, out);
                }
                FinalityAction::Equivocation(evidence) => {
                    out.push(NodeAction::Event(NodeEvent::EquivocationDetected {
                        kind: "vote",
                        offender: evidence.first.voter,
                    }));
                    self.evidence.push(RelayExtrinsic::ReportVoteEquivocation(evidence));
                }
                FinalityAction::SetChanged { new_set_id, new_voters, base } => {
                    self.switch_voter(new_set_id, new_voters, base, now_ms, out);
                }
                FinalityAction::WakeAt(at) => self.wake(at, now_ms, out),
            }
        }
    }

    fn on_finalized(
        &mut self,
        hash: Hash,
        number: BlockNumber,
        justification: Justification,
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) {
        if number <= self.finalized.1 {
            return;
        }
        if self.tree.finalize(&hash).is_err() {
            tracing::warn!(target: "node", %hash, "finalized block unknown to the fork tree");
            return;
        }
        self.finalized = (hash, number);
        let mut writes = vec![
            (FINALIZED_KEY.to_vec(), Some((hash, number).encode())),
            (justification_key(number), Some(justification.encode())),
        ];
        // Keep the justifications of set-change blocks (a node catching up across a set change
        // needs them) and the latest one; drop the previous latest otherwise.
        let previous = self.justifications.iter().next_back().map(|(n, j)| (*n, j.target_hash));
        if let Some((n, target)) = previous {
            if !self.set_change_blocks.contains(&target) {
                self.justifications.remove(&n);
                writes.push((justification_key(n), None));
            }
        }
        out.push(NodeAction::Persist(writes));
        out.push(NodeAction::Flush);
        self.justifications.insert(number, justification);
        out.push(NodeAction::Event(NodeEvent::Finalized { hash, number }));
        self.sync_set_change(now_ms, out);
        // Finality pruned every fork not descending from `hash`: if our best block was on one,
        // the best chain moves to the finalized branch (else we would author on a pruned fork).
        self.update_best(now_ms, out);
    }

    fn switch_voter(
        &mut self,
        set_id: SessionIndex,
        voters: Vec<atoll_primitives::relay::ValidatorId>,
        base: (Hash, BlockNumber),
        now_ms: u64,
        out: &mut Vec<NodeAction>,
    ) {
        let set = match VoterSet::new(set_id, voters) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(target: "node", %set_id, error = %e, "unusable voter set");
                return;
            }
        };
        let local = self.key.as_ref().and_then(|pair| {
            set.index_of(&pair.public()).map(|index| LocalVoter { index, pair: pair.clone() })
        });
        match FinalityVoter::new(self.config.finality, set, local, base, now_ms) {
            Ok(mut voter) => {
                if let Some(rule) = &self.voting_rule {
                    voter.set_voting_rule(Box::new(SharedRule(rule.clone())));
                }
                self.voter = voter;
                self.feed_voter_from(base, now_ms, out);
                let actions = self.voter.on_tick(now_ms);
                self.handle_finality(actions, now_ms, out);
            }
            Err(e) => tracing::error!(target: "node", %set_id, error = %e, "cannot start voter"),
        }
    }
}
