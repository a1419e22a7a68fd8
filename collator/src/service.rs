//! The networked collator: [`ParaState`] (the para's blocks and state, persisted in sled),
//! [`CollatorFollower`] (the hook the embedded relay node calls on every new best and finalized
//! relay block) and [`ParaBackend`] (the para's JSON-RPC).
//!
//! ## Rules (numbered; the code cites them)
//!
//! 1. On every new best relay block the collator builds on the para head that block records
//!    (pending or included) and sends the collation to each member of the assigned group.
//! 2. A built block is written and flushed before its collation leaves the process, so that a
//!    head the relay chain may include is always one the collator can rebuild after `kill -9`.
//! 3. A restart rebuilds every stored block, in order, from genesis; a block that does not
//!    rebuild to its stored header stops the start (never "repaired").
//! 4. The para's best head is the one included in the best relay block, its finalized head the
//!    one included in the finalized relay block; RPC reads state at those heads.
//! 5. A submitted extrinsic is decoded and its signature verified before it enters the pool:
//!    a bad one is refused at once, and block building finds the good ones' verdicts memoized.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use atoll_node_core::parachain::{collator_view, SessionCache};
use atoll_node_core::RelayNode;
use atoll_parachain_host::HostMessage;
use atoll_primitives::{decode_bounded, BlockNumber, Hash, HeadData, ParaId, ValidatorIndex};
use atoll_relay::service::{hex0x, Follower, HeadFeeds, NodeShell};
use atoll_relay::store::Store;
use atoll_rpc::metrics::NodeMetrics;
use atoll_rpc::{BackendError, ChainBackend, Hash32, Health, PeerInfo};
use atoll_runtime_sdk::{Block, Header, ParachainBlockData};
use parity_scale_codec::{Decode, Encode};
use serde_json::{json, Value};

use crate::{CollationGenerator, CollatorError};

/// Prefix of stored para blocks: `pblk/` ++ number (big-endian) ++ hash.
pub const PARA_BLOCK_PREFIX: &[u8] = b"pblk/";

/// A stored para block with what rebuilding it needs.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct StoredParaBlock {
    /// The parent's head data.
    pub parent_head: HeadData,
    /// The relay parent's number.
    pub relay_parent_number: BlockNumber,
    /// The relay parent's state root.
    pub relay_parent_storage_root: Hash,
    /// The block.
    pub block: Block,
}

fn block_key(header: &Header) -> Vec<u8> {
    let mut k = PARA_BLOCK_PREFIX.to_vec();
    k.extend_from_slice(&header.number.0.to_be_bytes());
    k.extend_from_slice(header.hash().as_bytes());
    k
}

/// A para header as Substrate RPC clients expect it.
pub fn para_header_json(header: &Header) -> Value {
    json!({
        "parentHash": hex0x(header.parent_hash.as_bytes()),
        "number": format!("0x{:x}", header.number.0),
        "stateRoot": hex0x(header.state_root.as_bytes()),
        "extrinsicsRoot": hex0x(header.extrinsics_root.as_bytes()),
        "digest": { "logs": [] },
    })
}

/// Why the collator could not start.
#[derive(Debug, thiserror::Error)]
pub enum ParaServiceError {
    /// The para database.
    #[error(transparent)]
    Store(#[from] atoll_relay::store::StoreError),
    /// A stored block does not decode.
    #[error("para database: the value at key {key} does not decode ({reason}); refusing to start on bad state")]
    Corrupt {
        /// The key.
        key: String,
        /// Why.
        reason: String,
    },
    /// A stored block does not rebuild.
    #[error("para database: {0}; refusing to start on bad state")]
    Replay(CollatorError),
}

/// The para's blocks, heads and builder.
pub struct ParaState {
    generator: CollationGenerator,
    store: Store,
    headers: BTreeMap<Hash, Header>,
    blocks: BTreeMap<Hash, Block>,
    best: Header,
    finalized: Header,
    feeds: HeadFeeds,
    metrics: NodeMetrics,
    /// A failure to persist (the collator stops building).
    fatal: Option<String>,
    /// Whether to build blocks (`--collator`), or only follow.
    pub collate: bool,
}

/// Locks shared para state (poisoning ignored: handlers finish their writes before returning).
pub fn lock(state: &Mutex<ParaState>) -> MutexGuard<'_, ParaState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ParaState {
    /// Rule 3: opens the para database and rebuilds every stored block.
    pub fn open(
        mut generator: CollationGenerator,
        db_path: &std::path::Path,
        metrics: NodeMetrics,
    ) -> Result<ParaState, ParaServiceError> {
        let genesis = generator.node().head().clone();
        let (store, pairs) = Store::open(db_path, genesis.hash())?;
        let mut headers = BTreeMap::new();
        let mut blocks = BTreeMap::new();
        headers.insert(genesis.hash(), genesis.clone());
        let mut rebuilt = 0usize;
        for (key, value) in pairs {
            if !key.starts_with(PARA_BLOCK_PREFIX) {
                continue;
            }
            let stored: StoredParaBlock = decode_bounded("stored para block", &value, 64 << 20)
                .map_err(|e| ParaServiceError::Corrupt {
                    key: atoll_relay::store::printable_key(&key),
                    reason: e.to_string(),
                })?;
            generator
                .node_mut()
                .rebuild(
                    &stored.parent_head,
                    stored.relay_parent_number,
                    stored.relay_parent_storage_root,
                    &stored.block,
                )
                .map_err(ParaServiceError::Replay)?;
            let header = stored.block.header.clone();
            headers.insert(header.hash(), header);
            blocks.insert(stored.block.header.hash(), stored.block);
            rebuilt += 1;
        }
        if rebuilt > 0 {
            tracing::info!(target: "collator", "[Parachain] 💾 Rebuilt {rebuilt} stored blocks");
        }
        Ok(ParaState {
            generator,
            store,
            headers,
            blocks,
            best: genesis.clone(),
            finalized: genesis,
            feeds: HeadFeeds::new(),
            metrics,
            fatal: None,
            collate: true,
        })
    }

    /// The para.
    pub fn para_id(&self) -> ParaId {
        self.generator.para_id()
    }

    /// The best head (rule 4).
    pub fn best(&self) -> &Header {
        &self.best
    }

    /// The finalized head (rule 4).
    pub fn finalized(&self) -> &Header {
        &self.finalized
    }

    fn header_of_head(&self, head: Option<HeadData>) -> Option<Header> {
        let head = head?;
        let header = Header::decode(&mut &head.0[..]).ok()?;
        self.headers.get(&header.hash()).cloned()
    }

    /// Rule 2: persists the block a collation carries before it is sent.
    fn persist(&mut self, msg: &HostMessage) -> Result<(), String> {
        let HostMessage::Collation { pov, validation_data, .. } = msg else { return Ok(()) };
        let data: ParachainBlockData =
            decode_bounded("own PoV", &pov.block_data.0, 64 << 20).map_err(|e| e.to_string())?;
        let header = data.block.header.clone();
        let hash = header.hash();
        if self.blocks.contains_key(&hash) {
            return Ok(());
        }
        let stored = StoredParaBlock {
            parent_head: validation_data.parent_head.clone(),
            relay_parent_number: validation_data.relay_parent_number,
            relay_parent_storage_root: validation_data.relay_parent_storage_root,
            block: data.block,
        };
        self.store
            .write_batch(vec![(block_key(&header), Some(stored.encode()))])
            .and_then(|_| self.store.flush())
            .map_err(|e| e.to_string())?;
        self.headers.insert(hash, header);
        self.blocks.insert(hash, stored.block);
        Ok(())
    }
}

/// The embedded relay node's hook (rules 1, 2 and 4).
pub struct CollatorFollower(pub Arc<Mutex<ParaState>>);

impl Follower for CollatorFollower {
    fn on_new_best(
        &mut self,
        relay: &RelayNode,
        sessions: &mut SessionCache,
        best: Hash,
    ) -> Vec<(ValidatorIndex, HostMessage)> {
        let mut state = lock(&self.0);
        let Some(header) = relay.header(&best) else { return Vec::new() };
        let para = state.para_id();
        // Rule 4.
        let included =
            atoll_relay_chain::para_head(relay.db(), &header.state_root, para).ok().flatten();
        if let Some(h) = state.header_of_head(included) {
            if h.hash() != state.best.hash() {
                state.best = h.clone();
                let _ = state.feeds.new_heads.send(para_header_json(&h));
                state.metrics.block_height(h.number.0 as u64, state.finalized.number.0 as u64);
            }
        }
        if state.fatal.is_some() || !state.collate {
            return Vec::new();
        }
        // Rule 1.
        let view = match collator_view(relay.db(), header, para, sessions) {
            Ok(Some(v)) => v,
            Ok(None) => return Vec::new(),
            Err(e) => {
                tracing::warn!(target: "collator", "[Parachain] cannot read relay block {best}: {e}");
                return Vec::new();
            }
        };
        // The shell times block building for the metrics.
        #[allow(clippy::disallowed_methods)]
        let started = std::time::Instant::now();
        let built = state.generator.on_relay_parent(&view);
        if matches!(&built, Ok(m) if !m.is_empty()) {
            state.metrics.observe_block_constructed(started.elapsed().as_secs_f64());
        }
        let messages = match built {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(target: "collator", "[Parachain] cannot build on relay parent #{}: {e}", view.number.0);
                return Vec::new();
            }
        };
        if let Some((_, first)) = messages.first() {
            // Rule 2.
            if let Err(e) = state.persist(first) {
                tracing::error!(target: "collator", "[Parachain] cannot persist a built block, collating stops: {e}");
                state.fatal = Some(e);
                return Vec::new();
            }
            if let HostMessage::Collation { candidate, pov, .. } = first {
                state.metrics.inc_collations_generated();
                tracing::info!(
                    target: "collator",
                    "[Parachain] 🔨 Collated on relay #{} for {} validators: {}, PoV {} bytes",
                    view.number.0,
                    messages.len(),
                    candidate.hash(),
                    pov.block_data.0.len()
                );
            }
        }
        messages
    }

    fn on_finalized(&mut self, relay: &RelayNode, hash: Hash, _number: BlockNumber) {
        let mut state = lock(&self.0);
        let Some(header) = relay.header(&hash) else { return };
        let para = state.para_id();
        let included =
            atoll_relay_chain::para_head(relay.db(), &header.state_root, para).ok().flatten();
        if let Some(h) = state.header_of_head(included) {
            if h.hash() != state.finalized.hash() {
                state.finalized = h.clone();
                let _ = state.feeds.finalized.send(para_header_json(&h));
                tracing::info!(target: "collator", "[Parachain] ✅ Finalized #{} ({})", h.number.0, hex0x(h.hash().as_bytes()));
                state.metrics.block_height(state.best.number.0 as u64, h.number.0 as u64);
            }
        }
    }
}

/// The para's JSON-RPC view (rule 4). Health comes from the embedded relay node.
pub struct ParaBackend {
    /// The para.
    pub state: Arc<Mutex<ParaState>>,
    /// The embedded relay node (peers, health).
    pub relay: Arc<Mutex<NodeShell>>,
}

impl ChainBackend for ParaBackend {
    fn health(&self) -> Health {
        let shell = atoll_relay::service::lock(&self.relay);
        Health {
            peers: shell.relay_peers(),
            is_syncing: shell.is_syncing(),
            should_have_peers: true,
        }
    }

    fn peers(&self) -> Vec<PeerInfo> {
        Vec::new()
    }

    fn local_peer_id(&self) -> String {
        atoll_relay::service::lock(&self.relay).local_peer_id()
    }

    fn header(&self, at: Option<Hash32>) -> Result<Option<Value>, BackendError> {
        let s = lock(&self.state);
        Ok(match at {
            None => Some(para_header_json(&s.best)),
            Some(h) => s.headers.get(&Hash(h)).map(para_header_json),
        })
    }

    fn block(&self, at: Option<Hash32>) -> Result<Option<Value>, BackendError> {
        let s = lock(&self.state);
        let hash = at.map(Hash).unwrap_or(s.best.hash());
        let Some(header) = s.headers.get(&hash) else { return Ok(None) };
        let extrinsics: Vec<String> = s
            .blocks
            .get(&hash)
            .map(|b| b.extrinsics.iter().map(|x| hex0x(x)).collect())
            .unwrap_or_default();
        Ok(Some(json!({
            "block": { "header": para_header_json(header), "extrinsics": extrinsics },
            "justifications": null,
        })))
    }

    fn block_hash(&self, number: Option<u64>) -> Result<Option<Hash32>, BackendError> {
        let s = lock(&self.state);
        let Some(n) = number else { return Ok(Some(s.best.hash().0)) };
        let mut at = s.best.clone();
        loop {
            if at.number.0 as u64 == n {
                return Ok(Some(at.hash().0));
            }
            if (at.number.0 as u64) < n {
                return Ok(None);
            }
            match s.headers.get(&at.parent_hash) {
                Some(p) => at = p.clone(),
                None => return Ok(None),
            }
        }
    }

    fn finalized_head(&self) -> Hash32 {
        lock(&self.state).finalized.hash().0
    }

    fn storage(&self, key: &[u8], at: Option<Hash32>) -> Result<Option<Vec<u8>>, BackendError> {
        let s = lock(&self.state);
        let header = match at {
            None => s.best.clone(),
            Some(h) => s.headers.get(&Hash(h)).cloned().ok_or_else(|| {
                BackendError::NotFound(format!("unknown para block 0x{}", hex::encode(h)))
            })?,
        };
        s.generator
            .node()
            .storage_at(&header.state_root, key)
            .map_err(|e| BackendError::Internal(e.to_string()))
    }

    fn submit_extrinsic(&self, extrinsic: Vec<u8>) -> Result<Hash32, BackendError> {
        // Rule 5: checked before the pool, outside its lock.
        let para = lock(&self.state).para_id();
        check_signature(para, &extrinsic)?;
        let mut s = lock(&self.state);
        s.generator
            .node_mut()
            .submit(extrinsic)
            .map(|h| h.0)
            .map_err(|e| BackendError::Refused(e.to_string()))
    }

    fn subscribe_new_heads(&self) -> tokio::sync::broadcast::Receiver<Value> {
        lock(&self.state).feeds.new_heads.subscribe()
    }

    fn subscribe_finalized_heads(&self) -> tokio::sync::broadcast::Receiver<Value> {
        lock(&self.state).feeds.finalized.subscribe()
    }
}

/// Rule 5: a submitted transfer must decode and carry a valid signature. The check goes
/// through the process' signature memo, so that building the block that carries it finds the
/// answer there instead of verifying again (Substrate's pool validates on submission too).
pub fn check_signature(para: ParaId, extrinsic: &[u8]) -> Result<(), BackendError> {
    let xt: atoll_runtime_sdk::SignedExtrinsic<token_chain::Call> =
        decode_bounded("extrinsic", extrinsic, atoll_primitives::limits::MAX_POV_SIZE as usize)
            .map_err(|e| {
                BackendError::InvalidParams(format!("not a token-chain extrinsic: {e}"))
            })?;
    let payload = atoll_runtime_sdk::signing_payload(para, xt.nonce, &xt.call);
    if !atoll_primitives::crypto::verify(
        atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT,
        &payload,
        &xt.signature,
        &xt.signer,
    ) {
        return Err(BackendError::Refused("bad signature".into()));
    }
    Ok(())
}

/// Health of the para's RPC: the embedded relay node's.
pub struct ParaHealth(pub Arc<Mutex<NodeShell>>);

impl atoll_rpc::HealthSource for ParaHealth {
    fn health(&self) -> Health {
        let shell = atoll_relay::service::lock(&self.0);
        Health {
            peers: shell.relay_peers(),
            is_syncing: shell.is_syncing(),
            should_have_peers: true,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn stored_para_blocks_round_trip_and_their_encoding_is_pinned() {
        let stored = StoredParaBlock {
            parent_head: HeadData(vec![1, 2, 3]),
            relay_parent_number: BlockNumber(7),
            relay_parent_storage_root: Hash([9u8; 32]),
            block: Block {
                header: Header {
                    parent_hash: Hash([1u8; 32]),
                    number: BlockNumber(3),
                    state_root: Hash([2u8; 32]),
                    extrinsics_root: Hash([3u8; 32]),
                },
                extrinsics: vec![vec![4, 5], vec![]],
            },
        };
        let bytes = stored.encode();
        assert_eq!(StoredParaBlock::decode(&mut &bytes[..]).unwrap(), stored);
        assert_eq!(
            hex::encode(atoll_primitives::blake2_256(&bytes)),
            "8ba47f794c2ab22ad341d8c8c2ccbba5a4d708e52d217b48ace9027a13070b61"
        );
        assert!(block_key(&stored.block.header).starts_with(PARA_BLOCK_PREFIX));
    }

    #[test]
    fn a_bad_signature_or_garbage_is_refused_at_submission() {
        let alice = atoll_primitives::crypto::Pair::dev("Alice");
        let call = token_chain::Call::Transfer { dest: alice.public(), amount: 1 };
        let good = atoll_runtime_sdk::testing::sign_extrinsic(&alice, ParaId(2000), 0, call);
        assert!(check_signature(ParaId(2000), &good).is_ok());
        // Signed for another para.
        assert!(matches!(check_signature(ParaId(2001), &good), Err(BackendError::Refused(_))));
        assert!(matches!(
            check_signature(ParaId(2000), &[1, 2, 3]),
            Err(BackendError::InvalidParams(_))
        ));
    }
}
