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
//! - Step 6. **Recovery.** To recover a candidate's data we ask every validator `i` of its
//!   session for chunk `i` (held chunks count at once; if we hold the full data we complete
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
use std::sync::Arc;

use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{
    recovery_threshold, AvailabilityBitfield, AvailableData, ErasureChunk,
    SignedAvailabilityBitfield, SigningContext,
};
use atoll_primitives::{BlockNumber, CandidateHash, CandidateReceipt, Hash, ValidatorIndex};

use crate::erasure::{self, ErasureError};
use crate::protocol::{CheckRequest, HostAction, HostEvent, HostMessage, PeerId, Target};
use crate::view::{RelayBlockInfo, SessionInfo};

/// Tunables of [`Availability`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AvailabilityConfig {
    /// Time after a block's import at which we sign our bitfield for it (Step 3), ms; it must
    /// come before the next slot. Default 300.
    pub bitfield_delay_ms: u64,
    /// Time after which an unanswered own-chunk request goes to the next backer (Step 2), ms.
    /// Default 500.
    pub chunk_retry_ms: u64,
    /// Time a recovery may take before it is [`RecoveryFailure::Unavailable`] (Step 6), ms.
    /// Default 4000.
    pub recovery_timeout_ms: u64,
    /// Blocks and chunks are kept until this many blocks below the finalized height (Step 7).
    /// Default 10.
    pub keep_blocks_after_finality: u32,
}

impl Default for AvailabilityConfig {
    fn default() -> Self {
        Self {
            bitfield_delay_ms: 300,
            chunk_retry_ms: 500,
            recovery_timeout_ms: 4_000,
            keep_blocks_after_finality: 10,
        }
    }
}

/// Why data could not be stored, or a bitfield or chunk was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    /// The data's erasure root is not the descriptor's.
    #[error("{candidate_hash}: erasure root mismatch: the descriptor says {expected}, the data gives {computed}")]
    RootMismatch {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The descriptor's root.
        expected: Hash,
        /// The root of the data.
        computed: Hash,
    },
    /// The data could not be erasure coded.
    #[error("{candidate_hash}: cannot erasure code the available data: {source}")]
    Erasure {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// What the codec said.
        source: ErasureError,
    },
    /// A bitfield signer outside the block's validator set.
    #[error("bitfield for {relay_parent}: {validator} is not a validator")]
    UnknownValidator {
        /// The claimed signer.
        validator: ValidatorIndex,
        /// The block.
        relay_parent: Hash,
    },
    /// A bitfield with the wrong number of bits.
    #[error("bitfield of {validator} for {relay_parent}: {len} bits for {expected} cores")]
    BitfieldLength {
        /// The signer.
        validator: ValidatorIndex,
        /// The block.
        relay_parent: Hash,
        /// Its bits.
        len: usize,
        /// The cores.
        expected: usize,
    },
    /// A bitfield whose signature does not verify.
    #[error("bitfield of {validator} for {relay_parent}: bad signature")]
    BadSignature {
        /// The claimed signer.
        validator: ValidatorIndex,
        /// The block.
        relay_parent: Hash,
    },
    /// A chunk whose proof does not lead to the erasure root.
    #[error("{candidate_hash}: chunk {index} refused: {source}")]
    BadChunk {
        /// The candidate.
        candidate_hash: CandidateHash,
        /// The chunk's index.
        index: ValidatorIndex,
        /// Why.
        source: ErasureError,
    },
}

impl AvailabilityError {
    /// Whether the error is ours rather than the candidate's (a validator count the codec does
    /// not support, a codec failure): such a failure is never held against a candidate.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            AvailabilityError::Erasure {
                source: ErasureError::TooFewValidators { .. }
                    | ErasureError::TooManyValidators { .. }
                    | ErasureError::Codec(_),
                ..
            }
        )
    }
}

/// Why a recovery did not produce the data (Step 6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecoveryFailure {
    /// The chunks do not encode data matching the descriptor: the candidate is invalid.
    #[error("the candidate's available data is invalid: {0}")]
    Invalid(String),
    /// Not enough chunks could be had: no verdict either way.
    #[error("not enough chunks could be recovered")]
    Unavailable,
}

/// What we hold of a candidate (Steps 1 and 2).
struct Stored {
    chunks: BTreeMap<ValidatorIndex, ErasureChunk>,
    /// The full data, if we backed the candidate.
    data: Option<AvailableData>,
    /// The highest block that showed it pending, or the best block when it was stored.
    last_seen: BlockNumber,
}

/// A relay block we know (Steps 2 to 4).
struct Block {
    number: BlockNumber,
    session: Arc<SessionInfo>,
    /// The candidate pending on each core, by core index (`n_cores` slots).
    occupied: Vec<Option<CandidateHash>>,
    our_index: Option<ValidatorIndex>,
    /// When to sign our bitfield; `None` once signed or if we sign none.
    bitfield_due_ms: Option<u64>,
    bitfields: BTreeMap<ValidatorIndex, SignedAvailabilityBitfield>,
}

/// Fetching our own chunk of a pending candidate (Step 2).
struct Fetch {
    erasure_root: Hash,
    n_validators: usize,
    our_index: ValidatorIndex,
    backers: Vec<ValidatorIndex>,
    /// Requests sent so far (the next backer is `backers[sent % len]`).
    sent: usize,
    retry_at_ms: u64,
    started: BlockNumber,
}

/// A recovery in progress (Step 6).
struct Recovery {
    requests: Vec<CheckRequest>,
    candidate: CandidateReceipt,
    n_validators: usize,
    received: BTreeMap<ValidatorIndex, Vec<u8>>,
    /// Requests sent, and how many were answered with a good chunk or by a peer that failed.
    requested: usize,
    good_answers: usize,
    failed_peers: BTreeSet<PeerId>,
    deadline_ms: u64,
}

impl Recovery {
    /// Step 6: whether `f + 1` chunks are still possible.
    fn hopeless(&self) -> bool {
        let answered = self.good_answers + self.failed_peers.len();
        let possible = self.received.len() + self.requested.saturating_sub(answered);
        possible < recovery_threshold(self.n_validators)
    }
}

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

    /// A backer holds the full data (Step 1): computes every chunk for `n_validators`, checks
    /// the root against `erasure_root` and keeps the chunks and the data. A pending recovery of
    /// the candidate completes with it.
    pub fn store_available_data(
        &mut self,
        candidate_hash: CandidateHash,
        erasure_root: Hash,
        n_validators: usize,
        data: &AvailableData,
    ) -> Result<(), AvailabilityError> {
        let (computed, chunks) = erasure::erasure_chunks(n_validators, data)
            .map_err(|source| AvailabilityError::Erasure { candidate_hash, source })?;
        if computed != erasure_root {
            return Err(AvailabilityError::RootMismatch {
                candidate_hash,
                expected: erasure_root,
                computed,
            });
        }
        let best = self.best_number;
        let stored = self.stored.entry(candidate_hash).or_insert_with(|| Stored {
            chunks: BTreeMap::new(),
            data: None,
            last_seen: best,
        });
        stored.chunks = chunks.into_iter().map(|c| (c.index, c)).collect();
        stored.data = Some(data.clone());
        self.fetches.remove(&candidate_hash);
        if let Some(recovery) = self.recoveries.remove(&candidate_hash) {
            for request in recovery.requests {
                self.recovered.push((request, Ok(data.clone())));
            }
        }
        Ok(())
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

    /// A bitfield from the network (Step 4): kept if it checks out, the sender penalized if
    /// it is malformed or badly signed. Bitfields for unknown blocks are dropped.
    pub fn on_bitfield(
        &mut self,
        from: PeerId,
        relay_parent: Hash,
        bitfield: SignedAvailabilityBitfield,
    ) -> Vec<HostAction> {
        let Some(block) = self.blocks.get_mut(&relay_parent) else { return Vec::new() };
        let validator = bitfield.validator;
        let penalty = |error: AvailabilityError| {
            vec![HostAction::Penalize { peer: from, reason: error.to_string() }]
        };
        let Some(public) = block.session.validators.get(validator.0 as usize) else {
            return penalty(AvailabilityError::UnknownValidator { validator, relay_parent });
        };
        let expected = block.session.n_cores as usize;
        if bitfield.payload.0.len() != expected {
            return penalty(AvailabilityError::BitfieldLength {
                validator,
                relay_parent,
                len: bitfield.payload.0.len(),
                expected,
            });
        }
        if block.bitfields.contains_key(&validator) {
            return Vec::new();
        }
        let context = SigningContext { session: block.session.session, parent_hash: relay_parent };
        if !bitfield.check(&context, public) {
            return penalty(AvailabilityError::BadSignature { validator, relay_parent });
        }
        block.bitfields.insert(validator, bitfield);
        Vec::new()
    }

    /// The bitfields for a block author whose parent is `relay_parent` (Step 4), sorted by
    /// validator index, one per validator (ours included).
    pub fn bitfields(&self, relay_parent: Hash) -> Vec<SignedAvailabilityBitfield> {
        self.blocks
            .get(&relay_parent)
            .map(|b| b.bitfields.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Someone asks for chunk `index` of a candidate (Step 5): answered with it if held (and we
    /// do not withhold), `None` otherwise.
    pub fn on_chunk_request(
        &self,
        from: PeerId,
        candidate_hash: CandidateHash,
        index: ValidatorIndex,
    ) -> Vec<HostAction> {
        let chunk = if self.withhold {
            None
        } else {
            self.stored.get(&candidate_hash).and_then(|s| s.chunks.get(&index)).cloned()
        };
        vec![HostAction::Send(
            Target::Peer(from),
            HostMessage::ChunkResponse { candidate_hash, chunk },
        )]
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
            // Step 2: the retry timer moves the fetch on. Step 6: one failure per peer.
            if let Some(recovery) = self.recoveries.get_mut(&candidate_hash) {
                recovery.failed_peers.insert(from);
                if recovery.hopeless() {
                    self.finish_recovery(candidate_hash, Err(RecoveryFailure::Unavailable));
                }
            }
            return Vec::new();
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
                if recovery.hopeless() {
                    self.finish_recovery(candidate_hash, Err(RecoveryFailure::Unavailable));
                }
            }
        }
        actions
    }

    /// Starts recovering a candidate's data from chunks (Step 6), asking every validator `i` of
    /// its session (`n_validators` of them) for chunk `i`; completes at once if we hold the
    /// data or enough chunks. The result comes out of [`Availability::take_recovered`].
    pub fn recover(
        &mut self,
        request: CheckRequest,
        n_validators: usize,
        now_ms: u64,
    ) -> Vec<HostAction> {
        let candidate_hash = request.candidate.hash();
        if let Some(data) = self.stored.get(&candidate_hash).and_then(|s| s.data.clone()) {
            self.recovered.push((request, Ok(data)));
            return Vec::new();
        }
        if let Some(recovery) = self.recoveries.get_mut(&candidate_hash) {
            recovery.requests.push(request);
            return Vec::new();
        }
        if n_validators == 0 {
            // The session is unknown: nobody to ask.
            self.recovered.push((request, Err(RecoveryFailure::Unavailable)));
            return Vec::new();
        }
        let root = request.candidate.descriptor.erasure_root;
        // Held chunks (verified when stored) count at once.
        let received: BTreeMap<ValidatorIndex, Vec<u8>> = self
            .stored
            .get(&candidate_hash)
            .map(|s| {
                s.chunks
                    .values()
                    .filter(|c| erasure::verify_chunk(&root, n_validators, c).is_ok())
                    .map(|c| (c.index, c.chunk.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let deadline_ms = now_ms.saturating_add(self.config.recovery_timeout_ms);
        let mut actions = Vec::new();
        let mut requested = 0;
        let enough = received.len() >= recovery_threshold(n_validators);
        if !enough {
            for i in 0..n_validators {
                let Ok(index) = u32::try_from(i).map(ValidatorIndex) else { break };
                if received.contains_key(&index) {
                    continue;
                }
                requested += 1;
                actions.push(chunk_request(index, candidate_hash, index));
            }
            actions.push(HostAction::WakeAt(deadline_ms));
        }
        self.recoveries.insert(
            candidate_hash,
            Recovery {
                candidate: request.candidate.clone(),
                requests: vec![request],
                n_validators,
                received,
                requested,
                good_answers: 0,
                failed_peers: BTreeSet::new(),
                deadline_ms,
            },
        );
        if enough {
            self.reconstruct(candidate_hash);
        }
        actions
    }

    /// Finished recoveries (Step 6), each with the request that asked for it.
    pub fn take_recovered(
        &mut self,
    ) -> Vec<(CheckRequest, Result<AvailableData, RecoveryFailure>)> {
        std::mem::take(&mut self.recovered)
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

    /// The chunk of `index` of a candidate, if we hold it (for checks and tests; the network
    /// asks through [`Availability::on_chunk_request`]).
    pub fn chunk(
        &self,
        candidate_hash: &CandidateHash,
        index: ValidatorIndex,
    ) -> Option<ErasureChunk> {
        self.stored.get(candidate_hash)?.chunks.get(&index).cloned()
    }

    /// Whether we hold a chunk of the candidate (our own, or all of them as a backer).
    pub fn holds_chunk(&self, candidate_hash: &CandidateHash) -> bool {
        self.stored.get(candidate_hash).is_some_and(|s| !s.chunks.is_empty())
    }

    /// Makes us a chunk withholder (a byzantine stand-in): we fetch no chunk of our own, answer
    /// every chunk request with `None` and sign bitfields that attest nothing.
    pub fn set_withhold(&mut self, withhold: bool) {
        self.withhold = withhold;
    }

    /// Step 6: reconstructs from the received chunks and finishes the recovery.
    fn reconstruct(&mut self, candidate_hash: CandidateHash) {
        let Some(recovery) = self.recoveries.get(&candidate_hash) else { return };
        let n = recovery.n_validators;
        let descriptor = &recovery.candidate.descriptor;
        let chunks = recovery.received.iter().map(|(i, c)| (*i, c.clone()));
        let outcome = match erasure::reconstruct_and_verify(n, &descriptor.erasure_root, chunks) {
            Ok(data) => {
                if data.pov.hash() != descriptor.pov_hash {
                    Err(RecoveryFailure::Invalid(
                        "the recovered PoV does not hash to pov_hash".into(),
                    ))
                } else if data.validation_data.hash() != descriptor.persisted_validation_data_hash {
                    Err(RecoveryFailure::Invalid(
                        "the recovered validation data does not hash to the descriptor's".into(),
                    ))
                } else {
                    Ok(data)
                }
            }
            // Not the candidate's fault: no verdict.
            Err(
                ErasureError::TooFewValidators { .. }
                | ErasureError::TooManyValidators { .. }
                | ErasureError::NotEnoughChunks { .. },
            ) => Err(RecoveryFailure::Unavailable),
            // Verified chunks that do not decode, or re-encode to another root.
            Err(e) => Err(RecoveryFailure::Invalid(e.to_string())),
        };
        self.finish_recovery(candidate_hash, outcome);
    }

    fn finish_recovery(
        &mut self,
        candidate_hash: CandidateHash,
        outcome: Result<AvailableData, RecoveryFailure>,
    ) {
        let Some(recovery) = self.recoveries.remove(&candidate_hash) else { return };
        for request in recovery.requests {
            self.recovered.push((request, outcome.clone()));
        }
    }
}

fn chunk_request(
    to: ValidatorIndex,
    candidate_hash: CandidateHash,
    index: ValidatorIndex,
) -> HostAction {
    HostAction::Send(Target::Validator(to), HostMessage::ChunkRequest { candidate_hash, index })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::backing::fixtures::*;
    use crate::protocol::CheckPurpose;
    use atoll_primitives::{CommittedCandidateReceipt, CoreIndex, PoV};

    fn node(i: usize) -> Availability {
        Availability::new(Some(key(i)), AvailabilityConfig::default())
    }

    /// A candidate of para A on `info`, its data, and a backer (validator 0) holding it all.
    fn backed(info: &RelayBlockInfo) -> (CommittedCandidateReceipt, AvailableData, Availability) {
        let (candidate, pov, validation_data) = collation(info, PARA_A, 1);
        let data = AvailableData { pov, validation_data };
        let mut backer = node(0);
        backer
            .store_available_data(candidate.hash(), candidate.descriptor.erasure_root, N, &data)
            .unwrap();
        (candidate, data, backer)
    }

    fn sends(actions: &[HostAction]) -> Vec<(Target, HostMessage)> {
        actions
            .iter()
            .filter_map(|a| match a {
                HostAction::Send(t, m) => Some((*t, m.clone())),
                _ => None,
            })
            .collect()
    }

    fn penalized(actions: &[HostAction], peer: PeerId) -> bool {
        actions.iter().any(|a| matches!(a, HostAction::Penalize { peer: p, .. } if *p == peer))
    }

    fn served(backer: &Availability, hash: CandidateHash, index: u32) -> Option<ErasureChunk> {
        match &backer.on_chunk_request(PeerId(50), hash, ValidatorIndex(index))[..] {
            [HostAction::Send(
                Target::Peer(PeerId(50)),
                HostMessage::ChunkResponse { chunk, .. },
            )] => chunk.clone(),
            other => panic!("{other:?}"),
        }
    }

    fn check_request(candidate: &CommittedCandidateReceipt) -> CheckRequest {
        CheckRequest {
            candidate: candidate.to_plain(),
            session: session().session,
            core: Some(CoreIndex(0)),
            purpose: CheckPurpose::Approval { block: Hash([1; 32]), candidate_index: 0 },
        }
    }

    #[test]
    fn store_checks_the_erasure_root() {
        let info = block(1);
        let (candidate, data, _) = backed(&info);
        let mut a = node(1);
        let err = a.store_available_data(candidate.hash(), Hash([3; 32]), N, &data).unwrap_err();
        assert!(matches!(err, AvailabilityError::RootMismatch { .. }));
        assert!(!err.is_internal());
        let err = a.store_available_data(candidate.hash(), Hash([3; 32]), 0, &data).unwrap_err();
        assert!(err.is_internal());
        assert!(!a.holds_chunk(&candidate.hash()));
    }

    #[test]
    fn own_chunk_is_fetched_from_a_backer_and_attested_after_the_delay() {
        let mut info = block(2);
        let (candidate, _, backer) = backed(&block(1));
        let hash = occupy(&mut info, &candidate, &[0, 1]);
        let mut a = node(3);
        let actions = a.on_relay_block(&info, 1_000);
        assert_eq!(
            sends(&actions),
            vec![(
                Target::Validator(ValidatorIndex(0)),
                HostMessage::ChunkRequest { candidate_hash: hash, index: ValidatorIndex(3) }
            )]
        );
        assert!(actions.contains(&HostAction::WakeAt(1_500)));
        assert!(actions.contains(&HostAction::WakeAt(1_300)));
        // A tampered chunk is refused with a penalty.
        let chunk = served(&backer, hash, 3).unwrap();
        let mut tampered = chunk.clone();
        tampered.chunk[0] ^= 1;
        let actions = a.on_chunk_response(PeerId(0), hash, Some(tampered), 1_100);
        assert!(penalized(&actions, PeerId(0)));
        assert!(!a.holds_chunk(&hash));
        // Someone else's chunk is not ours.
        let other = served(&backer, hash, 4).unwrap();
        assert!(a.on_chunk_response(PeerId(0), hash, Some(other), 1_100).is_empty());
        assert!(!a.holds_chunk(&hash));
        // The real one.
        assert!(a.on_chunk_response(PeerId(0), hash, Some(chunk.clone()), 1_200).is_empty());
        assert!(a.holds_chunk(&hash));
        // Not before the delay.
        assert!(a.on_tick(1_299).is_empty());
        let actions = a.on_tick(1_300);
        let bitfield = match &actions[..] {
            [HostAction::Broadcast(HostMessage::Bitfield { relay_parent, bitfield }), HostAction::Event(HostEvent::BitfieldSigned { bits: 1, .. })]
                if *relay_parent == info.hash =>
            {
                bitfield.clone()
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(bitfield.payload, AvailabilityBitfield(vec![true, false]));
        assert_eq!(bitfield.validator, ValidatorIndex(3));
        let context = SigningContext { session: info.session.session, parent_hash: info.hash };
        assert!(bitfield.check(&context, &key(3).public()));
        assert_eq!(a.bitfields(info.hash), vec![bitfield]);
        // Signed once.
        assert!(a.on_tick(5_000).is_empty());
        // Now it serves its chunk.
        assert_eq!(served(&a, hash, 3).map(|c| c.index), Some(ValidatorIndex(3)));
    }

    #[test]
    fn chunk_fetch_rotates_through_backers_and_stops_when_no_longer_pending() {
        let mut info = block(2);
        let (candidate, _, _) = backed(&block(1));
        let hash = occupy(&mut info, &candidate, &[0, 1, 4]);
        // Validator 4 is a backer itself but lacks its chunk: it asks the others.
        let mut a = node(4);
        let first = sends(&a.on_relay_block(&info, 0));
        assert_eq!(first[0].0, Target::Validator(ValidatorIndex(0)));
        assert!(a.on_tick(499).iter().all(|x| !matches!(x, HostAction::Send(..))));
        let targets: Vec<Target> = [500, 1_000, 1_500]
            .iter()
            .flat_map(|t| sends(&a.on_tick(*t)))
            .map(|(t, _)| t)
            .collect();
        assert_eq!(
            targets,
            vec![
                Target::Validator(ValidatorIndex(1)),
                Target::Validator(ValidatorIndex(0)),
                Target::Validator(ValidatorIndex(1)),
            ]
        );
        // The next block shows the core free: the fetch stops, and no bitfield is due for it.
        let next = block(3);
        let actions = a.on_relay_block(&next, 1_600);
        assert!(actions.is_empty(), "{actions:?}");
        assert!(sends(&a.on_tick(10_000)).is_empty());
        let _ = hash;
    }

    #[test]
    fn bitfields_are_checked_collected_and_sorted() {
        let mut info = block(2);
        let (candidate, _, _) = backed(&block(1));
        occupy(&mut info, &candidate, &[0, 1]);
        let mut collector = Availability::new(None, AvailabilityConfig::default());
        assert!(collector.on_relay_block(&info, 0).is_empty());
        let context = SigningContext { session: info.session.session, parent_hash: info.hash };
        let sign = |i: u32, bits: Vec<bool>| {
            SignedAvailabilityBitfield::sign(
                &key(i as usize),
                AvailabilityBitfield(bits),
                &context,
                ValidatorIndex(i),
            )
        };
        for i in [5, 1, 3] {
            let actions =
                collector.on_bitfield(PeerId(i.into()), info.hash, sign(i, vec![true, false]));
            assert!(actions.is_empty());
        }
        // A duplicate is ignored; the first is kept.
        collector.on_bitfield(PeerId(1), info.hash, sign(1, vec![false, false]));
        let got: Vec<u32> = collector.bitfields(info.hash).iter().map(|b| b.validator.0).collect();
        assert_eq!(got, vec![1, 3, 5]);
        assert!(collector.bitfields(info.hash)[0].payload.0[0]);
        // Bad signature, wrong length, unknown validator: penalized, not kept.
        let mut forged = sign(2, vec![true, false]);
        forged.validator = ValidatorIndex(0);
        assert!(penalized(&collector.on_bitfield(PeerId(9), info.hash, forged), PeerId(9)));
        assert!(penalized(
            &collector.on_bitfield(PeerId(9), info.hash, sign(2, vec![true])),
            PeerId(9)
        ));
        let mut stranger = sign(2, vec![true, false]);
        stranger.validator = ValidatorIndex(40);
        assert!(penalized(&collector.on_bitfield(PeerId(9), info.hash, stranger), PeerId(9)));
        // Another block's context does not verify here.
        let other_context = SigningContext { parent_hash: Hash([8; 32]), ..context };
        let wrong = SignedAvailabilityBitfield::sign(
            &key(2),
            AvailabilityBitfield(vec![true, false]),
            &other_context,
            ValidatorIndex(2),
        );
        assert!(penalized(&collector.on_bitfield(PeerId(9), info.hash, wrong), PeerId(9)));
        assert_eq!(collector.bitfields(info.hash).len(), 3);
        // Unknown block: dropped quietly.
        assert!(collector
            .on_bitfield(PeerId(9), Hash([8; 32]), sign(2, vec![true, false]))
            .is_empty());
        assert!(collector.bitfields(Hash([8; 32])).is_empty());
    }

    #[test]
    fn recovery_from_f_plus_one_chunks_rejecting_a_tampered_one() {
        let (candidate, data, backer) = backed(&block(1));
        let hash = candidate.hash();
        let mut checker = Availability::new(None, AvailabilityConfig::default());
        let actions = checker.recover(check_request(&candidate), N, 100);
        let asked: Vec<(Target, HostMessage)> = sends(&actions);
        assert_eq!(asked.len(), N);
        for (i, (target, msg)) in asked.iter().enumerate() {
            let index = ValidatorIndex(i as u32);
            assert_eq!(*target, Target::Validator(index));
            assert_eq!(*msg, HostMessage::ChunkRequest { candidate_hash: hash, index });
        }
        assert!(actions.contains(&HostAction::WakeAt(4_100)));
        // A tampered chunk is refused.
        let mut tampered = served(&backer, hash, 2).unwrap();
        tampered.chunk[1] ^= 0x40;
        assert!(penalized(
            &checker.on_chunk_response(PeerId(2), hash, Some(tampered), 110),
            PeerId(2)
        ));
        // f + 1 = 2 good ones (a recovery shard among them).
        checker.on_chunk_response(PeerId(4), hash, served(&backer, hash, 4), 120);
        assert!(checker.take_recovered().is_empty());
        // A second request for the same candidate joins the running recovery.
        assert!(checker.recover(check_request(&candidate), N, 125).is_empty());
        checker.on_chunk_response(PeerId(5), hash, served(&backer, hash, 5), 130);
        let done = checker.take_recovered();
        assert_eq!(done.len(), 2);
        for (request, outcome) in done {
            assert_eq!(request.candidate.hash(), hash);
            assert_eq!(outcome, Ok(data.clone()));
        }
        // Late chunks are ignored; nothing times out later.
        assert!(checker
            .on_chunk_response(PeerId(1), hash, served(&backer, hash, 1), 140)
            .is_empty());
        checker.on_tick(10_000);
        assert!(checker.take_recovered().is_empty());
    }

    #[test]
    fn a_backer_recovers_at_once_and_a_withholder_serves_nothing() {
        let (candidate, data, mut backer) = backed(&block(1));
        assert!(backer.recover(check_request(&candidate), N, 0).is_empty());
        assert_eq!(backer.take_recovered()[0].1, Ok(data));
        assert!(served(&backer, candidate.hash(), 3).is_some());
        backer.set_withhold(true);
        assert_eq!(served(&backer, candidate.hash(), 3), None);
        assert!(backer.holds_chunk(&candidate.hash()));
    }

    #[test]
    fn recovery_is_unavailable_on_timeout_or_when_too_many_fail() {
        let (candidate, _, backer) = backed(&block(1));
        let hash = candidate.hash();
        // Timeout with one chunk of the two needed.
        let mut checker = Availability::new(None, AvailabilityConfig::default());
        checker.recover(check_request(&candidate), N, 0);
        checker.on_chunk_response(PeerId(0), hash, served(&backer, hash, 0), 10);
        checker.on_tick(3_999);
        assert!(checker.take_recovered().is_empty());
        checker.on_tick(4_000);
        let done = checker.take_recovered();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].1, Err(RecoveryFailure::Unavailable));
        // Early: one chunk, then everyone else answers None (one count per peer).
        let mut checker = Availability::new(None, AvailabilityConfig::default());
        checker.recover(check_request(&candidate), N, 0);
        checker.on_chunk_response(PeerId(0), hash, served(&backer, hash, 0), 10);
        for _ in 0..5 {
            checker.on_chunk_response(PeerId(1), hash, None, 11);
        }
        assert!(checker.take_recovered().is_empty(), "one peer's Nones count once");
        for peer in 2..=5 {
            checker.on_chunk_response(PeerId(peer), hash, None, 12);
        }
        assert_eq!(checker.take_recovered()[0].1, Err(RecoveryFailure::Unavailable));
        // An unknown session (n = 0) is unavailable at once.
        let mut checker = Availability::new(None, AvailabilityConfig::default());
        assert!(checker.recover(check_request(&candidate), 0, 0).is_empty());
        assert_eq!(checker.take_recovered()[0].1, Err(RecoveryFailure::Unavailable));
    }

    #[test]
    fn chunks_committed_to_garbage_make_the_candidate_invalid() {
        let info = block(1);
        let (mut candidate, pov, validation_data) = collation(&info, PARA_A, 1);
        let data = AvailableData { pov, validation_data };
        // Backers commit to a root over chunks that are not an encoding: recovery shard 5 is
        // altered before the tree is built.
        let mut chunks = erasure::obtain_chunks(N, &data).unwrap();
        chunks[5][0] ^= 0xff;
        chunks[5][1] ^= 0x5a;
        let tree = erasure::ChunkTree::new(&chunks);
        candidate.descriptor.erasure_root = tree.root();
        let hash = candidate.hash();
        let chunk = |i: usize| ErasureChunk {
            chunk: chunks[i].clone(),
            index: ValidatorIndex(i as u32),
            proof: tree.proof(i).unwrap(),
        };
        let mut checker = Availability::new(None, AvailabilityConfig::default());
        checker.recover(check_request(&candidate), N, 0);
        // Both chunks verify against the (bogus) root.
        assert!(checker.on_chunk_response(PeerId(0), hash, Some(chunk(0)), 1).is_empty());
        assert!(checker.on_chunk_response(PeerId(5), hash, Some(chunk(5)), 2).is_empty());
        let done = checker.take_recovered();
        assert_eq!(done.len(), 1);
        assert!(matches!(done[0].1, Err(RecoveryFailure::Invalid(_))), "{:?}", done[0].1);
        // A root over a genuine encoding of data whose PoV is not the descriptor's: invalid.
        let (mut other, pov, validation_data) = collation(&info, PARA_A, 2);
        let wrong = AvailableData {
            pov: PoV { block_data: atoll_primitives::BlockData(vec![1]) },
            validation_data,
        };
        let _ = pov;
        other.descriptor.erasure_root = erasure::erasure_root(N, &wrong).unwrap();
        let mut backer = node(0);
        backer
            .store_available_data(other.hash(), other.descriptor.erasure_root, N, &wrong)
            .unwrap();
        let mut checker = Availability::new(None, AvailabilityConfig::default());
        checker.recover(check_request(&other), N, 0);
        for i in [1, 3] {
            checker.on_chunk_response(
                PeerId(i.into()),
                other.hash(),
                served(&backer, other.hash(), i),
                1,
            );
        }
        assert!(matches!(checker.take_recovered()[0].1, Err(RecoveryFailure::Invalid(_))));
    }

    #[test]
    fn data_is_pruned_after_finality() {
        let mut info = block(2);
        let (candidate, _, mut backer) = backed(&block(1));
        let hash = occupy(&mut info, &candidate, &[0, 1]);
        backer.on_relay_block(&info, 0);
        backer.on_tick(300);
        assert_eq!(backer.bitfields(info.hash).len(), 1);
        assert!(backer.bitfields(info.hash)[0].payload.0[0], "a backer attests at once");
        backer.on_finalized(BlockNumber(12));
        assert!(backer.holds_chunk(&hash));
        assert_eq!(backer.bitfields(info.hash).len(), 1);
        backer.on_finalized(BlockNumber(13));
        assert!(!backer.holds_chunk(&hash));
        assert!(backer.bitfields(info.hash).is_empty());
        assert_eq!(served(&backer, hash, 0), None);
    }
}
