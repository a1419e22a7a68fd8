//! Native test externalities: unit-test runtime logic without Wasm or a node, and build blocks
//! natively with a recorded storage proof (what the collator does in Wasm).
//!
//! ```ignore
//! let mut chain = NativeChain::<MyRuntime>::new(ParaId(2000), genesis);
//! let alice = Pair::dev("Alice");
//! chain.apply(&alice, Call::Transfer { dest, amount: 10 }).unwrap();
//! chain.assert_has_event(Event::Transferred { .. });
//! ```

use std::collections::BTreeMap;
use std::marker::PhantomData;

use atoll_primitives::crypto::Pair;
use atoll_primitives::{BlockNumber, Hash, HeadData, ParaId, ValidationParams, ValidationResult};
use atoll_trie::{Recorder, StateDb, StorageProof};
use parity_scale_codec::Encode;

use crate::block::{Block, BlockInit, Header, ParachainBlockData};
use crate::executive::{ApplyOutcome, Executive, GenesisConfig};
use crate::externalities::{Externalities, Overlayed, StateBackend};
use crate::extrinsic::{signing_payload, SignedExtrinsic, TransactionInvalid};
use crate::runtime::{AccountId, DispatchError, Runtime};
use crate::system::{self, EventRecord};

/// The committed state of native tests: a full trie, recording the nodes it touches when asked.
#[derive(Default)]
pub struct TestBackend {
    db: StateDb,
    root: Hash,
    recorder: Option<Recorder>,
}

#[allow(clippy::panic)] // Test support: a broken in-memory trie is a bug worth a loud stop.
fn trie_failure(what: &str, e: atoll_trie::TrieError) -> ! {
    panic!("test externalities: {what}: {e}")
}

impl StateBackend for TestBackend {
    fn read(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        let result = match self.recorder.as_mut() {
            Some(rec) => self.db.get_recorded(&self.root, key, rec),
            None => self.db.get(&self.root, key),
        };
        result.unwrap_or_else(|e| trie_failure("get", e))
    }

    fn root_with<'a>(
        &mut self,
        changes: &mut dyn Iterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    ) -> Hash {
        self.db
            .root_after(&self.root, changes, self.recorder.as_mut())
            .unwrap_or_else(|e| trie_failure("root", e))
    }
}

/// In-memory Merkle state with pending writes and optional proof recording.
pub type TestExternalities = Overlayed<TestBackend>;

impl Default for TestExternalities {
    fn default() -> Self {
        Self::empty()
    }
}

impl TestExternalities {
    /// An empty state.
    pub fn empty() -> Self {
        let mut db = StateDb::new();
        let root = db.insert_entries(Vec::new());
        Overlayed::new(TestBackend { db, root, recorder: None })
    }

    /// The committed root (pending writes excluded).
    pub fn committed_root(&self) -> Hash {
        self.backend.root
    }

    /// Applies the pending writes to the trie and returns the new root.
    pub fn commit(&mut self) -> Hash {
        let changes: Vec<(Vec<u8>, Option<Vec<u8>>)> =
            std::mem::take(&mut self.overlay.changes).into_iter().collect();
        let b = &mut self.backend;
        match b.db.apply(&b.root, changes.iter().map(|(k, v)| (k.as_slice(), v.as_deref()))) {
            Ok(r) => b.root = r,
            Err(e) => trie_failure("commit", e),
        }
        b.root
    }

    /// Starts recording every trie node read or touched.
    pub fn start_recording(&mut self) {
        self.backend.recorder = Some(Recorder::new());
    }

    /// Stops recording and returns the proof.
    pub fn take_proof(&mut self) -> StorageProof {
        self.backend.recorder.take().map(Recorder::into_proof).unwrap_or_default()
    }

    /// Runs `f` against this state.
    pub fn execute_with<T>(&mut self, f: impl FnOnce(&mut dyn Externalities) -> T) -> T {
        f(self)
    }

    /// Every committed (key, value) pair, for debugging and exports.
    pub fn pairs(&self) -> BTreeMap<Vec<u8>, Vec<u8>> {
        match self.backend.db.pairs(&self.backend.root) {
            Ok(p) => p.into_iter().collect(),
            Err(e) => trie_failure("pairs", e),
        }
    }
}

/// Signs `call` as `pair` with `nonce` for `para_id` and returns the encoded extrinsic.
pub fn sign_extrinsic<Call: Encode>(
    pair: &Pair,
    para_id: ParaId,
    nonce: u64,
    call: Call,
) -> Vec<u8> {
    let signature = pair.sign_extrinsic(&signing_payload(para_id, nonce, &call));
    SignedExtrinsic { signer: pair.public(), nonce, call, signature }.encode()
}

/// A block built natively, with everything needed to validate it.
#[derive(Clone, Debug)]
pub struct BuiltBlock {
    /// The block.
    pub block: Block,
    /// The proof of the parent state it touches.
    pub proof: StorageProof,
    /// The parent's head data.
    pub parent_head: HeadData,
    /// The relay parent number it was built against.
    pub relay_parent_number: BlockNumber,
    /// Transactions the runtime refused (dropped from the block), by submission index.
    pub refused: Vec<(usize, TransactionInvalid)>,
}

impl BuiltBlock {
    /// The PoV block data.
    pub fn block_data(&self) -> ParachainBlockData {
        ParachainBlockData { block: self.block.clone(), proof: self.proof.clone() }
    }

    /// The `validate_block` input for this block.
    pub fn validation_params(&self) -> ValidationParams {
        ValidationParams {
            parent_head: self.parent_head.clone(),
            block_data: atoll_primitives::BlockData(self.block_data().encode()),
            relay_parent_number: self.relay_parent_number,
            relay_parent_storage_root: Hash::ZERO,
        }
    }
}

/// A para chain run natively: genesis, block building with proofs, events and assertions.
pub struct NativeChain<R: Runtime> {
    ext: TestExternalities,
    head: Header,
    para_id: ParaId,
    _runtime: PhantomData<R>,
}

impl<R: Runtime> NativeChain<R> {
    /// A chain at genesis.
    pub fn new(para_id: ParaId, genesis: R::Genesis) -> Self {
        let mut ext = TestExternalities::empty();
        Executive::<R>::build_genesis(&mut ext, &GenesisConfig { para_id, runtime: genesis });
        ext.commit();
        let head = Executive::<R>::genesis_header(&mut ext);
        NativeChain { ext, head, para_id, _runtime: PhantomData }
    }

    /// The current head.
    pub fn head(&self) -> &Header {
        &self.head
    }

    /// The para id.
    pub fn para_id(&self) -> ParaId {
        self.para_id
    }

    /// The state.
    pub fn ext(&mut self) -> &mut TestExternalities {
        &mut self.ext
    }

    /// `who`'s next nonce.
    pub fn nonce(&mut self, who: &AccountId) -> u64 {
        system::NONCE.get_or_default(&mut self.ext, who)
    }

    /// An extrinsic of `pair` with its next nonce plus `offset` (for several in one block).
    pub fn sign(&mut self, pair: &Pair, offset: u64, call: R::Call) -> Vec<u8> {
        let nonce = self.nonce(&pair.public()) + offset;
        sign_extrinsic(pair, self.para_id, nonce, call)
    }

    /// Builds a block of `extrinsics` on the current head, recording the proof; refused
    /// transactions are left out and listed.
    pub fn build_block(
        &mut self,
        extrinsics: Vec<Vec<u8>>,
        relay_parent_number: BlockNumber,
    ) -> BuiltBlock {
        let parent_head = self.head.head_data();
        self.ext.start_recording();
        let init = BlockInit {
            parent_head: parent_head.clone(),
            relay_parent_number,
            relay_parent_storage_root: Hash::ZERO,
        };
        Executive::<R>::initialize_block(&mut self.ext, &init);
        let mut included = Vec::new();
        let mut hashes = Vec::new();
        let mut refused = Vec::new();
        for (i, xt) in extrinsics.into_iter().enumerate() {
            match Executive::<R>::apply_extrinsic(&mut self.ext, included.len() as u32, &xt) {
                Ok(_) => {
                    hashes.push(Hash::of(&xt));
                    included.push(xt);
                }
                Err(e) => refused.push((i, e)),
            }
        }
        let header = Executive::<R>::finalize_block(&mut self.ext, &hashes);
        let proof = self.ext.take_proof();
        self.ext.commit();
        self.head = header.clone();
        BuiltBlock {
            block: Block { header, extrinsics: included },
            proof,
            parent_head,
            relay_parent_number,
            refused,
        }
    }

    /// Applies one call of `pair` in a block of its own and returns the call's outcome.
    pub fn apply(&mut self, pair: &Pair, call: R::Call) -> ApplyOutcome {
        let xt = self.sign(pair, 0, call);
        let built = self.build_block(vec![xt], self.head.number);
        if let Some((_, e)) = built.refused.into_iter().next() {
            return Err(e);
        }
        let failed = self.events().into_iter().find_map(|r| match r.event {
            crate::system::Event::System(crate::system::SystemEvent::ExtrinsicFailed { error }) => {
                Some(error)
            }
            _ => None,
        });
        Ok(match failed {
            Some(error) => Err::<(), DispatchError>(error),
            None => Ok(()),
        })
    }

    /// The events of the last block.
    pub fn events(&mut self) -> Vec<EventRecord<R::Event>> {
        system::events(&mut self.ext)
    }

    /// The runtime events of the last block, without their records.
    pub fn runtime_events(&mut self) -> Vec<R::Event> {
        self.events()
            .into_iter()
            .filter_map(|r| match r.event {
                crate::system::Event::Runtime(e) => Some(e),
                _ => None,
            })
            .collect()
    }

    /// Stops the test unless the last block emitted `event`.
    #[allow(clippy::panic)] // Test helper: failing is its job.
    #[track_caller]
    pub fn assert_has_event(&mut self, event: R::Event) {
        let events = self.runtime_events();
        if !events.contains(&event) {
            panic!("expected event {event:?}; the last block emitted {events:?}");
        }
    }
}

/// Runs `validate_block` natively (the same code the Wasm runs), turning "invalid" panics
/// into `Err(message)`. Used to compare native and Wasm execution.
pub fn validate_block_native<R: Runtime>(
    params: &ValidationParams,
) -> Result<ValidationResult, String> {
    let params = params.clone();
    std::panic::catch_unwind(move || crate::validate::validate_block::<R>(&params)).map_err(|e| {
        if let Some(s) = e.downcast_ref::<String>() {
            s.clone()
        } else if let Some(s) = e.downcast_ref::<&str>() {
            (*s).to_string()
        } else {
            "runtime panicked".to_string()
        }
    })
}
