//! The block life cycle, shared by block building (collator) and validation (validators):
//! genesis, [`Executive::initialize_block`], [`Executive::apply_extrinsic`],
//! [`Executive::finalize_block`].

use alloc::format;
use alloc::vec::Vec;
use core::marker::PhantomData;
use parity_scale_codec::{Decode, Encode};

use atoll_primitives::{decode_bounded, Hash, ParaId};

use crate::block::{extrinsics_root, BlockInit, Header};
use crate::crypto;
use crate::externalities::{Externalities, Transaction};
use crate::extrinsic::{signing_payload, SignedExtrinsic, TransactionInvalid, MAX_EXTRINSIC_SIZE};
use crate::runtime::{Context, DispatchError, Runtime};
use crate::system::{self, Event, EventRecord, SystemEvent};

/// The input of the `build_genesis` entry point.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct GenesisConfig<G> {
    /// The para id the runtime will run as.
    pub para_id: ParaId,
    /// The runtime's own genesis.
    pub runtime: G,
}

/// The input of the `apply_extrinsic` entry point.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct ApplyInput {
    /// The extrinsic's index in the block being built.
    pub index: u32,
    /// The encoded extrinsic.
    pub extrinsic: Vec<u8>,
}

/// The result of applying a transaction: refused (`Err`), or applied with the call's outcome.
pub type ApplyOutcome = Result<Result<(), DispatchError>, TransactionInvalid>;

/// Drives runtime `R` through genesis and blocks.
pub struct Executive<R>(PhantomData<R>);

impl<R: Runtime> Executive<R> {
    /// Writes the genesis state: the system keys, then the runtime's genesis.
    pub fn build_genesis(ext: &mut dyn Externalities, config: &GenesisConfig<R::Genesis>) {
        system::PARA_ID.put(ext, &config.para_id);
        system::NUMBER.put(ext, &atoll_primitives::BlockNumber(0));
        system::PARENT_HASH.put(ext, &Hash::ZERO);
        let mut ctx = Context::<R>::new(ext, None);
        R::build_genesis(&mut ctx, &config.runtime);
    }

    /// The genesis header of a state written by [`Executive::build_genesis`].
    pub fn genesis_header(ext: &mut dyn Externalities) -> Header {
        Header {
            parent_hash: Hash::ZERO,
            number: atoll_primitives::BlockNumber(0),
            state_root: ext.root(),
            extrinsics_root: extrinsics_root(&[]),
        }
    }

    /// Starts a block on top of `init.parent_head` and returns the parent header.
    pub fn initialize_block(ext: &mut dyn Externalities, init: &BlockInit) -> Header {
        let parent: Header = match decode_bounded(
            "parent head",
            &init.parent_head.0,
            atoll_primitives::limits::MAX_HEAD_DATA_SIZE as usize,
        ) {
            Ok(h) => h,
            Err(e) => crate::invalid(format_args!("parent head is not a header: {e}")),
        };
        let number = parent.number.next();
        system::NUMBER.put(ext, &number);
        system::PARENT_HASH.put(ext, &init.parent_head.hash());
        ext.clear(system::EVENTS_KEY);
        let mut ctx = Context::<R>::new(ext, None);
        R::on_initialize(&mut ctx, number);
        parent
    }

    /// Decodes an extrinsic of this runtime.
    pub fn decode_extrinsic(bytes: &[u8]) -> Result<SignedExtrinsic<R::Call>, TransactionInvalid> {
        if bytes.len() > MAX_EXTRINSIC_SIZE {
            return Err(TransactionInvalid::TooLarge { size: bytes.len() as u32 });
        }
        decode_bounded("extrinsic", bytes, MAX_EXTRINSIC_SIZE)
            .map_err(|e| TransactionInvalid::Undecodable { reason: format!("{e}") })
    }

    /// The para id extrinsic signatures commit to.
    pub fn para_id(ext: &mut dyn Externalities) -> ParaId {
        system::PARA_ID.get_or_default(ext)
    }

    /// The (signer, payload, signature) triple whose signature must verify.
    pub fn signature_item(
        para_id: ParaId,
        xt: &SignedExtrinsic<R::Call>,
    ) -> (atoll_primitives::Sr25519Public, Vec<u8>, atoll_primitives::Sr25519Signature) {
        (xt.signer, signing_payload(para_id, xt.nonce, &xt.call), xt.signature)
    }

    /// Applies an encoded extrinsic at position `index`, verifying its signature.
    pub fn apply_extrinsic(ext: &mut dyn Externalities, index: u32, bytes: &[u8]) -> ApplyOutcome {
        let xt = Self::decode_extrinsic(bytes)?;
        let (signer, payload, signature) = Self::signature_item(Self::para_id(ext), &xt);
        if !crypto::sr25519_verify(&signature, &payload, &signer) {
            return Err(TransactionInvalid::BadSignature);
        }
        Self::apply_checked(ext, index, xt)
    }

    /// Applies an extrinsic whose signature the caller has already verified (validation
    /// verifies a whole block's signatures as one batch first).
    pub fn apply_checked(
        ext: &mut dyn Externalities,
        index: u32,
        xt: SignedExtrinsic<R::Call>,
    ) -> ApplyOutcome {
        let expected = system::NONCE.get_or_default(ext, &xt.signer);
        if xt.nonce < expected {
            return Err(TransactionInvalid::Stale { expected, got: xt.nonce });
        }
        if xt.nonce > expected {
            return Err(TransactionInvalid::Future { expected, got: xt.nonce });
        }
        system::NONCE.insert(ext, &xt.signer, &(expected + 1));

        let mut layer = Transaction::new(ext);
        let result = {
            let mut ctx = Context::<R>::new(&mut layer, Some(index));
            R::dispatch(&mut ctx, xt.signer, xt.call)
        };
        let system_event = match &result {
            Ok(()) => {
                layer.commit();
                SystemEvent::ExtrinsicSuccess
            }
            Err(error) => {
                drop(layer);
                SystemEvent::ExtrinsicFailed { error: error.clone() }
            }
        };
        let record: EventRecord<R::Event> =
            EventRecord { extrinsic_index: Some(index), event: Event::System(system_event) };
        system::deposit(ext, &record);
        Ok(result)
    }

    /// Ends the block: runs `on_finalize` and returns the header with the new state root.
    pub fn finalize_block(ext: &mut dyn Externalities, extrinsic_hashes: &[Hash]) -> Header {
        let number = system::NUMBER.get_or_default(ext);
        {
            let mut ctx = Context::<R>::new(ext, None);
            R::on_finalize(&mut ctx, number);
        }
        let parent_hash = system::PARENT_HASH.get_or_default(ext);
        Header {
            parent_hash,
            number,
            state_root: ext.root(),
            extrinsics_root: extrinsics_root(extrinsic_hashes),
        }
    }
}
