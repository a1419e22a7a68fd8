//! Authoring valid relay blocks with the dev keys (`//Alice` ... `//Ferdie`), for the tests of
//! this and other crates and for simulations: a correct pre-digest (VRF under the epoch the chain
//! computes), a seal, signed transactions with the right nonces, and [`DevChain`], a chain driven
//! block by block.
//!
//! ```ignore
//! let mut chain = DevChain::new(&preset("dev").unwrap().genesis().unwrap().clone())?;
//! let alice = Pair::dev("Alice");
//! let tx = chain.sign(&alice, RelayCall::Transfer { dest: bob, amount: 10 })?;
//! let (block, refused) = chain.produce(Slot(100), vec![tx])?;
//! ```

use atoll_primitives::crypto::{Pair, DEV_ACCOUNTS};
use atoll_primitives::relay::{
    PreDigest, RelayHeader, Slot, ValidatorId, SEAL_SIGNING_CONTEXT, SLOT_VRF_CONTEXT,
};
use atoll_primitives::{Hash, ValidatorIndex};
use atoll_trie::StateDb;

use crate::block::RelayBlock;
use crate::error::ChainError;
use crate::execute::{build_block, execute_block, BlockError, BuiltBlock};
use crate::extrinsic::{RelayCall, RelayExtrinsic, SignedTransaction};
use crate::genesis::{build_genesis, Genesis};
use crate::queries;
use crate::session::epoch_for_child;

/// Why a test block could not be authored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestingError {
    /// The chain refused.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The author is not in the slot's validator set.
    #[error("{author:?} is not a validator of the slot's session")]
    NotAValidator {
        /// The would-be author.
        author: ValidatorId,
    },
    /// The slot's validator is not a dev key.
    #[error("validator {validator:?} is not one of the dev keys")]
    NoDevKey {
        /// The validator.
        validator: ValidatorId,
    },
    /// The chain's own block did not import.
    #[error("the authored block does not import: {0}")]
    Import(#[from] BlockError),
}

/// The dev key pair (`//Alice` ... `//Ferdie`) whose public key is `public`.
pub fn dev_pair_of(public: &ValidatorId) -> Option<Pair> {
    DEV_ACCOUNTS.iter().map(|name| Pair::dev(name)).find(|pair| pair.public() == *public)
}

/// A valid pre-digest for `author` at `slot` on `parent`: its index in the slot's session, and
/// its slot VRF under that session's randomness; `primary` if the VRF is under the threshold.
pub fn pre_digest(
    db: &StateDb,
    parent: &RelayHeader,
    slot: Slot,
    author: &Pair,
) -> Result<PreDigest, TestingError> {
    let epoch = epoch_for_child(db, parent, slot)?;
    let public = author.public();
    let index = epoch
        .validators
        .iter()
        .position(|v| *v == public)
        .ok_or(TestingError::NotAValidator { author: public })?;
    let vrf = author.vrf_sign(SLOT_VRF_CONTEXT, &epoch.vrf_input(slot));
    let mut low = [0u8; 16];
    low.copy_from_slice(&vrf.randomness[..16]);
    Ok(PreDigest {
        slot,
        author: ValidatorIndex(u32::try_from(index).unwrap_or(u32::MAX)),
        primary: u128::from_le_bytes(low) < epoch.primary_threshold,
        vrf_output: vrf.output,
        vrf_proof: vrf.proof,
    })
}

/// Seals `header` as `author`: sr25519 over its pre-seal hash with `SEAL_SIGNING_CONTEXT`.
pub fn seal(header: &mut RelayHeader, author: &Pair) {
    header.seal = author.sign(SEAL_SIGNING_CONTEXT, header.pre_seal_hash().as_bytes());
}

/// Builds, stores and seals a child of `parent` at `slot` by `author` from `extrinsics`.
pub fn author_block(
    db: &mut StateDb,
    parent: &RelayHeader,
    slot: Slot,
    author: &Pair,
    extrinsics: Vec<RelayExtrinsic>,
) -> Result<BuiltBlock, TestingError> {
    let digest = pre_digest(db, parent, slot, author)?;
    let (mut block, refused) = build_block(db, parent, digest, extrinsics)?;
    seal(&mut block.header, author);
    Ok((block, refused))
}

/// The dev key of `slot`'s round-robin (secondary) author on `parent`.
pub fn secondary_author(
    db: &StateDb,
    parent: &RelayHeader,
    slot: Slot,
) -> Result<Pair, TestingError> {
    let epoch = epoch_for_child(db, parent, slot)?;
    let index = epoch
        .secondary_author(slot)
        .ok_or(ChainError::Invariant("a validator set is never empty"))?;
    let validator = epoch
        .validators
        .get(index.0 as usize)
        .copied()
        .ok_or(ChainError::Invariant("the secondary author is in the set"))?;
    dev_pair_of(&validator).ok_or(TestingError::NoDevKey { validator })
}

/// A relay chain in memory, authored block by block by the dev keys.
#[derive(Debug, Clone)]
pub struct DevChain {
    /// The node store, holding every state of the chain.
    pub db: StateDb,
    /// The genesis header.
    pub genesis: RelayHeader,
    /// The best block's header.
    pub head: RelayHeader,
}

impl DevChain {
    /// A chain at the genesis of `genesis`.
    pub fn new(genesis: &Genesis) -> Result<DevChain, TestingError> {
        let mut db = StateDb::new();
        let header = build_genesis(&mut db, genesis)?;
        Ok(DevChain { db, genesis: header.clone(), head: header })
    }

    /// The genesis hash (what transactions sign over).
    pub fn genesis_hash(&self) -> Hash {
        self.genesis.hash()
    }

    /// The best state's root.
    pub fn root(&self) -> Hash {
        self.head.state_root
    }

    /// `pair`'s nonce at the head.
    pub fn nonce(&self, pair: &Pair) -> Result<u64, TestingError> {
        Ok(queries::nonce(&self.db, &self.root(), &pair.public())?)
    }

    /// `call` signed by `pair` with its nonce at the head.
    pub fn sign(&self, pair: &Pair, call: RelayCall) -> Result<RelayExtrinsic, TestingError> {
        Ok(self.sign_with_nonce(pair, self.nonce(pair)?, call))
    }

    /// `call` signed by `pair` with `nonce`.
    pub fn sign_with_nonce(&self, pair: &Pair, nonce: u64, call: RelayCall) -> RelayExtrinsic {
        RelayExtrinsic::Signed(SignedTransaction::new(pair, self.genesis_hash(), nonce, call))
    }

    /// Authors the next block at `slot` by the slot's secondary author and makes it the head.
    pub fn produce(
        &mut self,
        slot: Slot,
        extrinsics: Vec<RelayExtrinsic>,
    ) -> Result<BuiltBlock, TestingError> {
        let author = secondary_author(&self.db, &self.head, slot)?;
        let (block, refused) = author_block(&mut self.db, &self.head, slot, &author, extrinsics)?;
        self.head = block.header.clone();
        Ok((block, refused))
    }

    /// Imports `block` on the head and makes it the head.
    pub fn import(&mut self, block: &RelayBlock) -> Result<Hash, BlockError> {
        let root = execute_block(&mut self.db, &self.head, block)?;
        self.head = block.header.clone();
        Ok(root)
    }
}
