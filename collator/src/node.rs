//! [`ParaNode`]: the para's state and head, and block building (steps 1–6 in the crate docs).

use std::sync::Arc;
use std::time::Duration;

use atoll_primitives::host_abi::export;
use atoll_primitives::{
    decode_bounded, BlockData, BlockNumber, CandidateCommitments, Hash, HeadData, ParaId,
    PersistedValidationData, PoV, ValidationCode, ValidationParams,
};
use atoll_pvf::{PvfHost, RuntimeInstance};
use atoll_runtime_sdk::executive::{ApplyInput, ApplyOutcome};
use atoll_runtime_sdk::{BlockInit, Header, ParachainBlockData, TransactionInvalid};
use atoll_trie::StateDb;
use parity_scale_codec::{Decode, Encode};
use std::sync::Mutex;

use crate::error::CollatorError;
use crate::pool::{PoolError, TransactionPool};
use crate::storage_host::{BuildingState, SharedStateDb};

/// Settings of a collator.
#[derive(Clone, Debug)]
pub struct CollatorConfig {
    /// The para this collator builds for.
    pub para_id: ParaId,
    /// Most extrinsics per block.
    pub max_extrinsics_per_block: usize,
    /// Pool capacity.
    pub pool_capacity: usize,
    /// Time limit of each runtime call while building.
    pub call_timeout: Duration,
    /// Largest PoV to produce.
    pub max_pov_size: usize,
    /// Stop adding transactions to a block after this long (the rest wait for the next one),
    /// so that a block can be built, sent and backed within its relay slot (Substrate's
    /// proposer has the same deadline). `None`: no limit but `max_extrinsics_per_block`.
    pub build_time_budget: Option<Duration>,
}

impl CollatorConfig {
    /// Defaults for `para_id`: 1,000 extrinsics per block, a pool of 10,000, the backing
    /// timeout per call, the protocol's PoV limit.
    pub fn new(para_id: ParaId) -> Self {
        CollatorConfig {
            para_id,
            max_extrinsics_per_block: 1_000,
            pool_capacity: 10_000,
            call_timeout: Duration::from_millis(atoll_primitives::limits::BACKING_TIMEOUT_MS),
            max_pov_size: atoll_primitives::limits::MAX_POV_SIZE as usize,
            build_time_budget: None,
        }
    }
}

/// A built block and everything a validator needs to check it.
#[derive(Clone, Debug)]
pub struct Collation {
    /// The block.
    pub block: atoll_runtime_sdk::Block,
    /// The PoV: block + storage proof.
    pub pov: PoV,
    /// Number of trie nodes in the storage proof.
    pub proof_nodes: usize,
    /// The validation inputs the relay chain fixes for this candidate.
    pub persisted_validation_data: PersistedValidationData,
    /// What executing the block produces.
    pub commitments: CandidateCommitments,
    /// Transactions the runtime refused while building, with the reason.
    pub refused: Vec<(Hash, TransactionInvalid)>,
}

impl Collation {
    /// The `validate_block` input for this collation.
    pub fn validation_params(&self) -> ValidationParams {
        ValidationParams {
            parent_head: self.persisted_validation_data.parent_head.clone(),
            block_data: self.pov.block_data.clone(),
            relay_parent_number: self.persisted_validation_data.relay_parent_number,
            relay_parent_storage_root: self.persisted_validation_data.relay_parent_storage_root,
        }
    }

    /// The new head.
    pub fn head_data(&self) -> &HeadData {
        &self.commitments.head_data
    }
}

/// A block built here whose fate is not known: (parent hash, number, relay parent number, the
/// extrinsics it took from the pool).
type Unsettled = (Hash, BlockNumber, BlockNumber, Vec<Vec<u8>>);

/// A para's state, head and pool, and the runtime that builds its blocks.
pub struct ParaNode {
    config: CollatorConfig,
    pvf: Arc<PvfHost>,
    code: ValidationCode,
    db: SharedStateDb,
    head: Header,
    pool: TransactionPool,
    known_roots: std::collections::BTreeSet<Hash>,
    /// Blocks built here and not yet known to be abandoned: hash → (parent hash, number, the
    /// relay parent's number, the extrinsics they took from the pool). See
    /// [`ParaNode::build_block_on`].
    unsettled: std::collections::BTreeMap<Hash, Unsettled>,
}

impl ParaNode {
    /// A node at genesis: runs the runtime's `build_genesis` in Wasm with `runtime_genesis`
    /// (the SCALE-encoded genesis of the runtime).
    pub fn genesis(
        config: CollatorConfig,
        pvf: Arc<PvfHost>,
        code: ValidationCode,
        runtime_genesis: &[u8],
    ) -> Result<ParaNode, CollatorError> {
        let para = config.para_id;
        let mut store = StateDb::new();
        let empty_root = store.insert_entries(Vec::new());
        let db: SharedStateDb = Arc::new(Mutex::new(store));
        let mut instance =
            Self::instantiate(&pvf, &code, para, BuildingState::new(db.clone(), empty_root))?;
        let mut input = para.encode();
        input.extend_from_slice(runtime_genesis);
        let result = call_decode::<Header>(
            &mut instance,
            para,
            export::BUILD_GENESIS,
            BlockNumber(0),
            &input,
            config.call_timeout,
        );
        let committed = instance.into_storage().finish();
        let header = result?;
        let (root, _) = committed.map_err(|reason| CollatorError::State { para, reason })?;
        if root != header.state_root {
            return Err(CollatorError::StateRootMismatch {
                para,
                number: BlockNumber(0),
                committed: root,
                header: header.state_root,
            });
        }
        let pool = TransactionPool::new(config.pool_capacity);
        let known_roots = std::iter::once(header.state_root).collect();
        Ok(ParaNode {
            config,
            pvf,
            code,
            db,
            head: header,
            pool,
            known_roots,
            unsettled: Default::default(),
        })
    }

    fn instantiate(
        pvf: &PvfHost,
        code: &ValidationCode,
        para: ParaId,
        state: BuildingState,
    ) -> Result<RuntimeInstance<BuildingState>, CollatorError> {
        pvf.instantiate_for_building(code, state)
            .map_err(|e| CollatorError::Prepare { para, reason: e.to_string() })
    }

    /// The current head.
    pub fn head(&self) -> &Header {
        &self.head
    }

    /// The current head data, as the relay chain records it.
    pub fn head_data(&self) -> HeadData {
        self.head.head_data()
    }

    /// The validation code.
    pub fn code(&self) -> &ValidationCode {
        &self.code
    }

    /// The config.
    pub fn config(&self) -> &CollatorConfig {
        &self.config
    }

    /// Submits an encoded extrinsic to the pool.
    pub fn submit(&mut self, xt: Vec<u8>) -> Result<Hash, PoolError> {
        self.pool.submit(xt)
    }

    /// Pending transactions.
    pub fn pool_len(&self) -> usize {
        self.pool.len()
    }

    /// A value of the current state.
    pub fn storage(&self, key: &[u8]) -> Result<Option<Vec<u8>>, CollatorError> {
        let para = self.config.para_id;
        let db = self.db.lock().map_err(|_| CollatorError::State {
            para,
            reason: "state store lock poisoned by an earlier panic".into(),
        })?;
        db.get(&self.head.state_root, key)
            .map_err(|e| CollatorError::State { para, reason: e.to_string() })
    }

    /// A typed map entry of the current state.
    pub fn storage_map<K: Encode, V: Encode + Decode>(
        &self,
        map: &atoll_runtime_sdk::StorageMap<K, V>,
        key: &K,
    ) -> Result<Option<V>, CollatorError> {
        let para = self.config.para_id;
        match self.storage(&map.storage_key(key))? {
            None => Ok(None),
            Some(bytes) => V::decode(&mut &bytes[..])
                .map(Some)
                .map_err(|e| CollatorError::State { para, reason: format!("stored value: {e}") }),
        }
    }

    /// The extrinsics of every block built here, at an earlier relay parent than
    /// `relay_parent_number`, that is not `parent` nor one of its ancestors go back to the pool:
    /// the relay chain builds on `parent`, so those blocks are abandoned (never backed, or timed
    /// out) and their transactions would otherwise be lost. Blocks far below `parent` are
    /// forgotten.
    fn release_abandoned(&mut self, parent: &Header, relay_parent_number: BlockNumber) {
        let mut ancestry = std::collections::BTreeSet::new();
        let mut at = parent.hash();
        while let Some((p, _, _, _)) = self.unsettled.get(&at) {
            ancestry.insert(at);
            at = *p;
        }
        let abandoned: Vec<Hash> = self
            .unsettled
            .iter()
            .filter(|(h, (_, _, rp, _))| !ancestry.contains(*h) && *rp < relay_parent_number)
            .map(|(h, _)| *h)
            .collect();
        let mut back: Vec<(BlockNumber, Vec<Vec<u8>>)> = Vec::new();
        for h in abandoned {
            if let Some((_, number, _, xts)) = self.unsettled.remove(&h) {
                back.push((number, xts));
            }
        }
        // Oldest first, so that each sender's nonces stay in order at the front of the pool.
        back.sort_by_key(|(n, _)| *n);
        for (_, xts) in back.into_iter().rev() {
            self.pool.requeue_front(xts);
        }
        let keep_above = parent.number.0.saturating_sub(16);
        self.unsettled.retain(|_, (_, n, _, _)| n.0 > keep_above);
    }

    /// Builds a block on `parent_head` (the para's head as the relay chain records it at the
    /// relay parent), which must be a block this node built or started from: a candidate that
    /// never got included leaves its head behind, and the next block builds on the recorded one
    /// (with the abandoned block's transactions back in the pool).
    pub fn build_block_on(
        &mut self,
        parent_head: &HeadData,
        relay_parent_number: BlockNumber,
        relay_parent_storage_root: Hash,
    ) -> Result<Collation, CollatorError> {
        let para = self.config.para_id;
        let header = Header::decode(&mut &parent_head.0[..])
            .ok()
            .filter(|h| self.known_roots.contains(&h.state_root))
            .ok_or(CollatorError::UnknownParentHead { para, head_hash: parent_head.hash() })?;
        self.release_abandoned(&header, relay_parent_number);
        let previous = std::mem::replace(&mut self.head, header);
        let built = self.build_block(relay_parent_number, relay_parent_storage_root);
        if built.is_err() {
            self.head = previous;
        }
        built
    }

    /// Re-executes `block`, built by this node before a restart, on `parent_head` with the
    /// relay parent it was built against: its extrinsics alone go through steps 1–6, and the
    /// result must be the stored header (anything else is a corrupt store or another runtime).
    pub fn rebuild(
        &mut self,
        parent_head: &HeadData,
        relay_parent_number: BlockNumber,
        relay_parent_storage_root: Hash,
        block: &atoll_runtime_sdk::Block,
    ) -> Result<Collation, CollatorError> {
        let para = self.config.para_id;
        let fresh = TransactionPool::new(self.config.pool_capacity.max(block.extrinsics.len()));
        let saved = std::mem::replace(&mut self.pool, fresh);
        for xt in &block.extrinsics {
            let _ = self.pool.submit(xt.clone());
        }
        let rebuilt =
            self.build_block_on(parent_head, relay_parent_number, relay_parent_storage_root);
        self.pool = saved;
        let collation = rebuilt?;
        if collation.block.header.hash() != block.header.hash() {
            return Err(CollatorError::ReplayMismatch {
                para,
                number: block.header.number,
                stored: block.header.hash(),
                rebuilt: collation.block.header.hash(),
            });
        }
        Ok(collation)
    }

    /// A value of the state with root `state_root` (a head this node built or started from).
    pub fn storage_at(
        &self,
        state_root: &Hash,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, CollatorError> {
        let para = self.config.para_id;
        let db = self.db.lock().map_err(|_| CollatorError::State {
            para,
            reason: "state store lock poisoned by an earlier panic".into(),
        })?;
        db.get(state_root, key).map_err(|e| CollatorError::State { para, reason: e.to_string() })
    }

    /// Whether the state with `root` is known (built here or genesis).
    pub fn knows_root(&self, root: &Hash) -> bool {
        self.known_roots.contains(root)
    }

    /// Builds a block on the current head against a relay parent (steps 1–6).
    pub fn build_block(
        &mut self,
        relay_parent_number: BlockNumber,
        relay_parent_storage_root: Hash,
    ) -> Result<Collation, CollatorError> {
        let para = self.config.para_id;
        let number = self.head.number.next();
        let parent_head = self.head.head_data();
        let timeout = self.config.call_timeout;

        // Step 1.
        let state = BuildingState::new(self.db.clone(), self.head.state_root);
        let mut instance = Self::instantiate(&self.pvf, &self.code, para, state)?;

        let candidates = self.pool.take(self.config.max_extrinsics_per_block);
        // Kept so that a failed build gives every transaction back to the pool.
        let backup = candidates.clone();
        let built = build_in(
            &mut instance,
            para,
            number,
            &parent_head,
            relay_parent_number,
            relay_parent_storage_root,
            candidates,
            timeout,
            self.config.build_time_budget,
        );

        // Step 5. On an error above the overlay is dropped: the shared store is untouched.
        let state = instance.into_storage();
        let outcome = match built {
            Ok(o) => o,
            Err(e) => {
                self.pool.requeue_front(backup);
                return Err(e);
            }
        };
        let (root, proof) =
            state.finish().map_err(|reason| CollatorError::State { para, reason })?;
        if root != outcome.header.state_root {
            return Err(CollatorError::StateRootMismatch {
                para,
                number,
                committed: root,
                header: outcome.header.state_root,
            });
        }
        self.pool.requeue_front(outcome.future);

        // Step 6.
        let proof_nodes = proof.len();
        let block = atoll_runtime_sdk::Block {
            header: outcome.header.clone(),
            extrinsics: outcome.included,
        };
        let block_data = ParachainBlockData { block: block.clone(), proof }.encode();
        if block_data.len() > self.config.max_pov_size {
            return Err(CollatorError::PoVTooLarge {
                para,
                size: block_data.len(),
                max: self.config.max_pov_size,
            });
        }
        self.head = outcome.header;
        self.known_roots.insert(self.head.state_root);
        self.unsettled.insert(
            self.head.hash(),
            (
                self.head.parent_hash,
                self.head.number,
                relay_parent_number,
                block.extrinsics.clone(),
            ),
        );
        let persisted_validation_data = PersistedValidationData {
            parent_head,
            relay_parent_number,
            relay_parent_storage_root,
            max_pov_size: self.config.max_pov_size as u32,
        };
        let commitments = CandidateCommitments {
            upward_messages: Vec::new(),
            horizontal_messages: Vec::new(),
            new_validation_code: None,
            head_data: self.head.head_data(),
            processed_downward_messages: 0,
            hrmp_watermark: relay_parent_number,
        };
        Ok(Collation {
            block,
            pov: PoV { block_data: BlockData(block_data) },
            proof_nodes,
            persisted_validation_data,
            commitments,
            refused: outcome.refused,
        })
    }
}

struct BuildOutcome {
    header: Header,
    included: Vec<Vec<u8>>,
    refused: Vec<(Hash, TransactionInvalid)>,
    future: Vec<Vec<u8>>,
}

#[allow(clippy::too_many_arguments)]
fn build_in(
    instance: &mut RuntimeInstance<BuildingState>,
    para: ParaId,
    number: BlockNumber,
    parent_head: &HeadData,
    relay_parent_number: BlockNumber,
    relay_parent_storage_root: Hash,
    candidates: Vec<Vec<u8>>,
    timeout: Duration,
    budget: Option<Duration>,
) -> Result<BuildOutcome, CollatorError> {
    // Building is I/O-side work with a wall-clock budget (the collator's shell time).
    #[allow(clippy::disallowed_methods)]
    let started = std::time::Instant::now();
    // Step 2.
    let init = BlockInit {
        parent_head: parent_head.clone(),
        relay_parent_number,
        relay_parent_storage_root,
    };
    call_decode::<Header>(
        instance,
        para,
        export::INITIALIZE_BLOCK,
        number,
        &init.encode(),
        timeout,
    )?;

    // Step 3.
    let mut included = Vec::new();
    let mut hashes = Vec::new();
    let mut refused = Vec::new();
    let mut future = Vec::new();
    let mut candidates = candidates.into_iter();
    while let Some(xt) = candidates.next() {
        if budget.is_some_and(|b| included.len() % 64 == 0 && started.elapsed() > b) {
            // Out of time: this one and the rest wait, in order, for the next block.
            future.push(xt);
            future.extend(candidates.by_ref());
            break;
        }
        let input = ApplyInput { index: included.len() as u32, extrinsic: xt };
        let outcome: ApplyOutcome =
            call_decode(instance, para, export::APPLY_EXTRINSIC, number, &input.encode(), timeout)?;
        let xt = input.extrinsic;
        match outcome {
            Ok(_) => {
                hashes.push(Hash::of(&xt));
                included.push(xt);
            }
            Err(TransactionInvalid::Future { .. }) => future.push(xt),
            Err(reason) => {
                tracing::debug!(target: "collator", %para, tx = %Hash::of(&xt), %reason, "transaction refused");
                refused.push((Hash::of(&xt), reason));
            }
        }
    }

    // Step 4.
    let header: Header =
        call_decode(instance, para, export::FINALIZE_BLOCK, number, &hashes.encode(), timeout)?;
    Ok(BuildOutcome { header, included, refused, future })
}

fn call_decode<T: Decode>(
    instance: &mut RuntimeInstance<BuildingState>,
    para: ParaId,
    call: &'static str,
    number: BlockNumber,
    input: &[u8],
    timeout: Duration,
) -> Result<T, CollatorError> {
    let output = instance.call(call, input, timeout).map_err(|e| CollatorError::RuntimeCall {
        para,
        call,
        number,
        reason: e.to_string(),
    })?;
    decode_bounded::<T>("runtime output", &output, atoll_primitives::limits::MAX_POV_SIZE as usize)
        .map_err(|e| CollatorError::BadRuntimeOutput { para, call, reason: e.to_string() })
}
