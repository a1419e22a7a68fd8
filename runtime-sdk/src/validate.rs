//! `validate_block`: re-executing a para block from its PoV alone (rules 1–7 in the crate docs).

use alloc::vec::Vec;

use atoll_primitives::{
    decode_bounded, limits::MAX_HEAD_DATA_SIZE, limits::MAX_POV_SIZE, Hash, ValidationParams,
    ValidationResult,
};
use atoll_trie::MemoryDb;

use crate::block::{BlockInit, Header, ParachainBlockData};
use crate::crypto;
use crate::executive::Executive;
use crate::externalities::{Overlayed, StateBackend};
use crate::runtime::Runtime;
use crate::storage::HexSlice;

/// The committed state during validation: the proof's trie nodes. Rule 3: nothing here
/// reaches the host, and a read the proof cannot answer makes the block invalid.
pub(crate) struct ProofBackend {
    db: MemoryDb,
    root: Hash,
}

impl StateBackend for ProofBackend {
    fn read(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        match atoll_trie::read_value(&self.db, &self.root, key) {
            Ok(v) => v,
            Err(e) => crate::invalid(format_args!(
                "storage proof cannot answer key 0x{}: {e}",
                HexSlice(key)
            )),
        }
    }

    fn root_with<'a>(
        &mut self,
        changes: &mut dyn Iterator<Item = (&'a [u8], Option<&'a [u8]>)>,
    ) -> Hash {
        let root = self.root;
        match atoll_trie::apply_changes(&mut self.db, &root, changes) {
            Ok(r) => r,
            Err(e) => {
                crate::invalid(format_args!("storage proof cannot compute the new state root: {e}"))
            }
        }
    }
}

/// Validates a block of runtime `R` (the crate docs' rules 1–7). Returns the validation result
/// or stops with [`crate::invalid`].
pub fn validate_block<R: Runtime>(params: &ValidationParams) -> ValidationResult {
    // Rule 1.
    let data: ParachainBlockData =
        match decode_bounded("PoV block data", &params.block_data.0, MAX_POV_SIZE as usize) {
            Ok(d) => d,
            Err(e) => crate::invalid(format_args!("PoV does not decode: {e}")),
        };
    // Rule 2.
    let parent: Header =
        match decode_bounded("parent head", &params.parent_head.0, MAX_HEAD_DATA_SIZE as usize) {
            Ok(h) => h,
            Err(e) => crate::invalid(format_args!("parent head is not a header: {e}")),
        };
    let block = data.block;
    let parent_hash = params.parent_head.hash();
    if block.header.parent_hash != parent_hash {
        crate::invalid(format_args!(
            "parent head mismatch: block builds on {}, validation parent is {}",
            block.header.parent_hash, parent_hash
        ));
    }
    if block.header.number != parent.number.next() {
        crate::invalid(format_args!(
            "block number {} does not follow parent number {}",
            block.header.number, parent.number
        ));
    }
    // Rule 3.
    let mut backend =
        Overlayed::new(ProofBackend { db: data.proof.into_memory_db(), root: parent.state_root });

    // Rule 4.
    let mut decoded = Vec::with_capacity(block.extrinsics.len());
    let mut hashes = Vec::with_capacity(block.extrinsics.len());
    for (i, bytes) in block.extrinsics.iter().enumerate() {
        match Executive::<R>::decode_extrinsic(bytes) {
            Ok(xt) => decoded.push(xt),
            Err(e) => crate::invalid(format_args!("extrinsic #{i} refused: {e}")),
        }
        hashes.push(Hash::of(bytes));
    }
    let para_id = Executive::<R>::para_id(&mut backend);
    let items: Vec<_> =
        decoded.iter().map(|xt| Executive::<R>::signature_item(para_id, xt)).collect();
    if !crypto::sr25519_batch_verify(&items) {
        crate::invalid(format_args!(
            "bad signature: the batch of {} extrinsic signatures does not verify",
            items.len()
        ));
    }

    // Rule 5.
    let init = BlockInit {
        parent_head: params.parent_head.clone(),
        relay_parent_number: params.relay_parent_number,
        relay_parent_storage_root: params.relay_parent_storage_root,
    };
    Executive::<R>::initialize_block(&mut backend, &init);
    for (i, xt) in decoded.into_iter().enumerate() {
        if let Err(e) = Executive::<R>::apply_checked(&mut backend, i as u32, xt) {
            crate::invalid(format_args!("extrinsic #{i} refused: {e}"));
        }
    }
    let computed = Executive::<R>::finalize_block(&mut backend, &hashes);

    // Rule 6.
    if computed.extrinsics_root != block.header.extrinsics_root {
        crate::invalid(format_args!(
            "extrinsics root mismatch: header has {}, block computes {}",
            block.header.extrinsics_root, computed.extrinsics_root
        ));
    }
    if computed.state_root != block.header.state_root {
        crate::invalid(format_args!(
            "state root mismatch: header has {}, execution computes {}",
            block.header.state_root, computed.state_root
        ));
    }

    // Rule 7.
    ValidationResult {
        head_data: block.header.head_data(),
        new_validation_code: None,
        upward_messages: Vec::new(),
        horizontal_messages: Vec::new(),
        processed_downward_messages: 0,
        hrmp_watermark: params.relay_parent_number,
    }
}
