//! Availability (research/protocol.md §7; DESIGN.md pipeline step 4): the chunk store,
//! fetching our own chunk of every candidate pending availability, signing and collecting
//! availability bitfields, and recovering a candidate's [`AvailableData`] from chunks for
//! approval checkers and dispute participants.
//!
//! [`Availability`] is a pure state machine: time comes in as `now_ms`, and every message it
//! wants sent, every wake-up it wants, is a returned [`HostAction`].
//!
//! ## The rules
//!
//! - Step 1. **Backers store everything.** A backer that found a candidate valid erasure codes
//!   its `AvailableData` for the relay parent's validator count
//!   ([`crate::erasure::erasure_chunks`]); the root must equal the descriptor's
//!   `erasure_root` (otherwise the candidate is not backed, see
//!   [`Availability::store_available_data`]). It keeps every chunk, to serve them, and the
//!   data itself, to answer its own recoveries at once.
//! - Step 2. **Every validator fetches its chunk.** For each core occupied in an imported relay
//!   block whose candidate we do not hold our chunk of (chunk `i` is validator `i`'s), we ask
//!   one of the candidate's backers, rotating through them every
//!   [`AvailabilityConfig::chunk_retry_ms`] until a chunk with a valid proof against the
//!   descriptor's erasure root arrives. A fetch stops once a newer block no longer shows the
//!   candidate pending (it became available or timed out); a fork that still shows it starts
//!   it again.
//! - Step 3. **Bitfields.** [`AvailabilityConfig::bitfield_delay_ms`] after importing block
//!   `B` (if some core of `B` is occupied) we sign a bitfield for `B`: bit `c` is set iff core
//!   `c` is occupied in `B` and we hold our verified chunk of its candidate, signed in
//!   `SigningContext { session, parent_hash: B }` (the session of `B`'s children), broadcast
//!   and kept.
//! - Step 4. **Collecting bitfields.** A bitfield is kept (one per validator and block, the
//!   first) if its block is known, its signer is a validator of the block's session, it has one
//!   bit per core and its signature verifies; a bad signature or shape penalizes the sender.
//!   [`Availability::bitfields`] gives a block author those for its parent, sorted by validator.
//! - Step 5. **Serving.** A chunk request is answered with the chunk if held (a withholder,
//!   see [`Availability::set_withhold`], answers `None` to everyone, fetches nothing and
//!   attests nothing).
//! - Step 6. **Recovery.** To recover a candidate's data we ask `f + 1` plus a margin of the
//!   validators of its session (more when answers fail, and all that remain after
//!   `chunk_retry_ms`), each for its own chunk, starting at a place that depends on the
//!   candidate and on us (held chunks count at once; if we hold the full data we complete
//!   immediately). Each chunk's proof is checked against the erasure root (a bad proof
//!   penalizes the sender). With `f + 1` verified chunks the data is reconstructed, re-encoded
//!   and its root compared ([`crate::erasure::reconstruct_and_verify`]); the PoV and
//!   validation data must also hash to the descriptor's. A mismatch or undecodable data means
//!   the backers committed to garbage: [`RecoveryFailure::Invalid`]. Too few chunks by
//!   [`AvailabilityConfig::recovery_timeout_ms`], or too many peers answering `None`/garbage for
//!   `f + 1` to remain possible, is [`RecoveryFailure::Unavailable`], which is never a vote.
//!   Results are collected with [`Availability::take_recovered`].
//! - Step 7. **Pruning.** Blocks and chunks of candidates last seen pending (or stored) in a
//!   block more than [`AvailabilityConfig::keep_blocks_after_finality`] below the finalized
//!   height are dropped.
use std::collections::{BTreeMap, BTreeSet};

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{
    recovery_threshold, AvailabilityBitfield, AvailableData, ErasureChunk,
    SignedAvailabilityBitfield, SigningContext,
};
use atoll_primitives::{BlockNumber, CandidateHash, Hash, ValidatorIndex};

use crate::erasure::{self, ErasureError};
use crate::protocol::{CheckRequest, HostAction, HostEvent, HostMessage, PeerId};
use crate::view::RelayBlockInfo;

// The steps of the rules above live in their own files, each with the public methods of
// `Availability` that implement it (in `impl Availability` blocks); the handlers that serve
// several steps at once (`on_relay_block`, `on_tick`, `on_chunk_response`, `on_finalized`)
// stay here.
mod bitfields; // Steps 3 and 4: the relay blocks we know, `on_bitfield`, `bitfields`.
mod chunk_fetch; // Step 2: fetching our own chunk, and the chunk request message.
mod chunk_store; // Steps 1 and 5: `store_available_data`, `on_chunk_request`, held chunks.
mod config; // `AvailabilityConfig`.
mod error; // `AvailabilityError`, `RecoveryFailure`.
mod recovery; // Step 6: `recover`, `take_recovered`, reconstruction.

#[cfg(test)]
mod tests;

pub use config::AvailabilityConfig;
pub use error::{AvailabilityError, RecoveryFailure};

use bitfields::Block;
use chunk_fetch::{chunk_request, Fetch};
use chunk_store::Stored;
use recovery::Recovery;

/// The availability state machine of one validator (or of a non-validator with no key, which
/// only collects bitfields and recovers). See the module docs for the rules.
pub struct Availability {
    key: Option<Pair>,
    config: AvailabilityConfig,
    withhold: bool,
    best_number: BlockNumber,
    blocks: BTreeMap<Hash, Block>,
    stored: BTreeMap<CandidateHash, Stored>,
    fetches: BTreeMap<CandidateHash, Fetch>,
    recoveries: BTreeMap<CandidateHash, Recovery>,
    recovered: Vec<(CheckRequest, Result<AvailableData, RecoveryFailure>)>,
}

impl Availability {
    /// An availability machine; `key` is our validator key (`None`: we hold no chunks of our
    /// own and sign no bitfields).
    pub fn new(key: Option<Pair>, config: AvailabilityConfig) -> Self {
        Self {
            key,
            config,
            withhold: false,
            best_number: BlockNumber(0),
            blocks: BTreeMap::new(),
            stored: BTreeMap::new(),
            fetches: BTreeMap::new(),
            recoveries: BTreeMap::new(),
            recovered: Vec::new(),
        }
    }
    /// A relay block was imported: fetch our chunk of every candidate pending on its cores
    /// that we do not hold (Step 2), schedule our bitfield for it (Step 3), remember it to
    /// check bitfields (Step 4).
    pub fn on_relay_block(&mut self, info: &RelayBlockInfo, now_ms: u64) -> Vec<HostAction> {
        self.best_number = self.best_number.max(info.number);
        let our_index = self.key.as_ref().and_then(|key| {
            let public = key.public();
            let position = info.session.validators.iter().position(|v| *v == public)?;
            u32::try_from(position).ok().map(ValidatorIndex)
        });
        // Bit `c` is about core `c`: one slot per core of the session (Step 3).
        let mut occupied: Vec<Option<CandidateHash>> = vec![None; info.session.n_cores as usize];
        for core in &info.cores {
            if let Some(slot) = occupied.get_mut(core.core.0 as usize) {
                *slot = core.occupied.as_ref().map(|o| o.candidate_hash);
            }
        }
        let mut actions = Vec::new();
        // Step 2: fetches of candidates this newer block no longer shows pending stop.
        let pending: BTreeSet<CandidateHash> = occupied.iter().flatten().copied().collect();
        self.fetches.retain(|hash, fetch| fetch.started >= info.number || pending.contains(hash));
        for core in &info.cores {
            let Some(occupied) = &core.occupied else { continue };
            let hash = occupied.candidate_hash;
            if let Some(stored) = self.stored.get_mut(&hash) {
                stored.last_seen = stored.last_seen.max(info.number);
            }
            let Some(our_index) = our_index else { continue };
            let held = self.stored.get(&hash).is_some_and(|s| s.chunks.contains_key(&our_index));
            if held || self.withhold || self.fetches.contains_key(&hash) {
                continue;
            }
            let backers: Vec<ValidatorIndex> =
                occupied.backers.iter().copied().filter(|b| *b != our_index).collect();
            let Some(first) = backers.first().copied() else { continue };
            let retry_at_ms = now_ms.saturating_add(self.config.chunk_retry_ms);
            self.fetches.insert(
                hash,
                Fetch {
                    erasure_root: occupied.candidate.descriptor.erasure_root,
                    n_validators: info.session.n_validators(),
                    our_index,
                    backers,
                    sent: 1,
                    retry_at_ms,
                    started: info.number,
                },
            );
            actions.push(chunk_request(first, hash, our_index));
            actions.push(HostAction::WakeAt(retry_at_ms));
        }
        // Step 3: our bitfield, if there is anything to attest.
        let bitfield_due_ms = (our_index.is_some() && !pending.is_empty())
            .then(|| now_ms.saturating_add(self.config.bitfield_delay_ms));
        if let Some(due) = bitfield_due_ms {
            actions.push(HostAction::WakeAt(due));
        }
        let block = self.blocks.entry(info.hash).or_insert_with(|| Block {
            number: info.number,
            session: info.session.clone(),
            occupied: occupied.clone(),
            our_index,
            bitfield_due_ms,
            bitfields: BTreeMap::new(),
        });
        // A re-import keeps what we had.
        block.occupied = occupied;
        actions
    }

    /// Time passed: signs due bitfields (Step 3), retries own-chunk fetches (Step 2) and
    /// times out recoveries (Step 6).
    pub fn on_tick(&mut self, now_ms: u64) -> Vec<HostAction> {
        let mut actions = Vec::new();
        // Step 3.
        if let Some(key) = &self.key {
            for (hash, block) in &mut self.blocks {
                let (Some(due), Some(our_index)) = (block.bitfield_due_ms, block.our_index) else {
                    continue;
                };
                if due > now_ms {
                    continue;
                }
                block.bitfield_due_ms = None;
                // A withholder attests nothing: it makes no chunk available.
                let withhold = self.withhold;
                let bits: Vec<bool> = block
                    .occupied
                    .iter()
                    .map(|c| {
                        !withhold
                            && c.and_then(|h| self.stored.get(&h))
                                .is_some_and(|s| s.chunks.contains_key(&our_index))
                    })
                    .collect();
                let payload = AvailabilityBitfield(bits);
                let set = payload.count_ones();
                let context = SigningContext { session: block.session.session, parent_hash: *hash };
                let signed = SignedAvailabilityBitfield::sign(key, payload, &context, our_index);
                block.bitfields.insert(our_index, signed.clone());
                actions.push(HostAction::Broadcast(HostMessage::Bitfield {
                    relay_parent: *hash,
                    bitfield: signed,
                }));
                actions.push(HostAction::Event(HostEvent::BitfieldSigned {
                    relay_parent: *hash,
                    bits: set,
                }));
            }
        }
        // Step 2: the next backer.
        for (hash, fetch) in &mut self.fetches {
            if fetch.retry_at_ms > now_ms || fetch.backers.is_empty() {
                continue;
            }
            let backer = fetch.backers[fetch.sent % fetch.backers.len()];
            fetch.sent = fetch.sent.wrapping_add(1);
            fetch.retry_at_ms = now_ms.saturating_add(self.config.chunk_retry_ms);
            actions.push(chunk_request(backer, *hash, fetch.our_index));
            actions.push(HostAction::WakeAt(fetch.retry_at_ms));
        }
        // Step 6: recoveries still short of chunks ask everyone left.
        for (hash, recovery) in &mut self.recoveries {
            if recovery.widen_at_ms <= now_ms && !recovery.unasked.is_empty() {
                let rest = recovery.unasked.len();
                actions.extend(recovery.ask(*hash, rest));
            }
        }
        // Step 6: timeouts.
        let expired: Vec<CandidateHash> = self
            .recoveries
            .iter()
            .filter(|(_, r)| r.deadline_ms <= now_ms)
            .map(|(h, _)| *h)
            .collect();
        for hash in expired {
            self.finish_recovery(hash, Err(RecoveryFailure::Unavailable));
        }
        actions
    }
    /// A chunk arrived (Steps 2 and 6): checked against the candidate's erasure root (a bad
    /// proof penalizes the sender), then kept as our own chunk and/or fed to a recovery.
    /// Unsolicited chunks are ignored.
    pub fn on_chunk_response(
        &mut self,
        from: PeerId,
        candidate_hash: CandidateHash,
        chunk: Option<ErasureChunk>,
        _now_ms: u64,
    ) -> Vec<HostAction> {
        let Some(chunk) = chunk else {
            // Step 2: the retry timer moves the fetch on. Step 6: one failure per peer, and
            // someone else is asked instead.
            let mut actions = Vec::new();
            if let Some(recovery) = self.recoveries.get_mut(&candidate_hash) {
                recovery.failed_peers.insert(from);
                actions = recovery.ask(candidate_hash, recovery.shortfall());
                if recovery.hopeless() {
                    self.finish_recovery(candidate_hash, Err(RecoveryFailure::Unavailable));
                }
            }
            return actions;
        };
        let mut actions = Vec::new();
        let bad = |source: ErasureError| {
            let error = AvailabilityError::BadChunk { candidate_hash, index: chunk.index, source };
            HostAction::Penalize { peer: from, reason: error.to_string() }
        };
        // Step 2: our own chunk.
        if let Some(fetch) = self.fetches.get(&candidate_hash) {
            if fetch.our_index == chunk.index {
                match erasure::verify_chunk(&fetch.erasure_root, fetch.n_validators, &chunk) {
                    Ok(()) => {
                        self.fetches.remove(&candidate_hash);
                        let best = self.best_number;
                        let stored = self.stored.entry(candidate_hash).or_insert_with(|| Stored {
                            chunks: BTreeMap::new(),
                            data: None,
                            last_seen: best,
                        });
                        stored.chunks.insert(chunk.index, chunk.clone());
                    }
                    Err(source) => actions.push(bad(source)),
                }
            }
        }
        // Step 6: a recovery.
        let Some(recovery) = self.recoveries.get_mut(&candidate_hash) else { return actions };
        if recovery.received.contains_key(&chunk.index) {
            return actions;
        }
        let root = recovery.candidate.descriptor.erasure_root;
        match erasure::verify_chunk(&root, recovery.n_validators, &chunk) {
            Ok(()) => {
                recovery.good_answers += 1;
                recovery.received.insert(chunk.index, chunk.chunk);
                if recovery.received.len() >= recovery_threshold(recovery.n_validators) {
                    self.reconstruct(candidate_hash);
                }
            }
            Err(source) => {
                if !actions.iter().any(|a| matches!(a, HostAction::Penalize { .. })) {
                    actions.push(bad(source));
                }
                recovery.failed_peers.insert(from);
                actions.extend(recovery.ask(candidate_hash, recovery.shortfall()));
                if recovery.hopeless() {
                    self.finish_recovery(candidate_hash, Err(RecoveryFailure::Unavailable));
                }
            }
        }
        actions
    }
    /// Block `number` was finalized (Step 7): blocks, and chunks of candidates last seen,
    /// more than `keep_blocks_after_finality` below it are dropped.
    pub fn on_finalized(&mut self, number: BlockNumber) {
        let keep = self.config.keep_blocks_after_finality;
        let live = |n: BlockNumber| n.0.saturating_add(keep) >= number.0;
        self.blocks.retain(|_, b| live(b.number));
        self.stored.retain(|_, s| live(s.last_seen));
        self.fetches.retain(|_, f| live(f.started));
    }
    /// Makes us a chunk withholder (a byzantine stand-in): we fetch no chunk of our own, answer
    /// every chunk request with `None` and sign bitfields that attest nothing.
    pub fn set_withhold(&mut self, withhold: bool) {
        self.withhold = withhold;
    }
}
