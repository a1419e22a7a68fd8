//! Executing a block (import) and building one (authoring) on one code path: block start
//! (rules 3 to 7 and 18), the para inherent (rule 19), each extrinsic (rules 8 to 14), block
//! end (rule 15), state root (rule 16).

use atoll_primitives::crypto::{self, vrf_verify};
use atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT;
use atoll_primitives::parachain::ParaInherentData;
use atoll_primitives::relay::{PreDigest, RelayHeader, Slot, SLOT_VRF_CONTEXT};
use atoll_primitives::{
    BlockNumber, Hash, SessionIndex, Sr25519Public, Sr25519Signature, ValidatorIndex,
};
use atoll_runtime_sdk::externalities::Transaction;
use atoll_runtime_sdk::Externalities;
use atoll_trie::StateDb;

use crate::block::{extrinsics_root, RelayBlock};
use crate::config;
use crate::dispatch::{self, CallContext, CallError};
use crate::error::{ChainError, ItemError};
use crate::events::{self, Phase, RelayEvent};
use crate::extrinsic::{signing_payload, RelayExtrinsic, SignedTransaction};
use crate::offences::{self, EvidenceError, OffenceError};
use crate::para_inherent::{self, Mode, ParaInherentError};
use crate::paras;
use crate::session;
use crate::state::{self, RelayExt};
use crate::system;

/// Why a block is invalid (or, for [`BlockError::Chain`], could not be checked).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// Rule 3: the header does not name the parent's hash.
    #[error("parent hash {got} is not the parent's {expected}")]
    ParentHashMismatch {
        /// The parent's hash.
        expected: Hash,
        /// The header's `parent_hash`.
        got: Hash,
    },
    /// Rule 3: the header's number is not the parent's plus one.
    #[error("block number {got} is not the parent's plus one ({expected})")]
    NumberMismatch {
        /// The parent's number plus one.
        expected: BlockNumber,
        /// The header's number.
        got: BlockNumber,
    },
    /// Rule 3: the header's extrinsics root does not commit to the body.
    #[error("extrinsics root {expected} in the header, {computed} computed from the body")]
    ExtrinsicsRootMismatch {
        /// The header's.
        expected: Hash,
        /// The body's.
        computed: Hash,
    },
    /// Rule 3: the slot is not after the parent's.
    #[error("slot {slot} is not after the parent's {parent_slot}")]
    SlotNotAfterParent {
        /// The parent's slot.
        parent_slot: Slot,
        /// The block's slot.
        slot: Slot,
    },
    /// Rule 6: the author index is outside the session's validator set.
    #[error("author {author} is not in {session}'s validator set of {validators}")]
    UnknownAuthor {
        /// The claimed author.
        author: ValidatorIndex,
        /// The block's session.
        session: SessionIndex,
        /// The set's size.
        validators: u32,
    },
    /// Rule 6: the VRF output or proof does not verify.
    #[error("VRF of {author} for {slot} in {session} does not verify")]
    BadVrf {
        /// The slot.
        slot: Slot,
        /// The claimed author.
        author: ValidatorIndex,
        /// The session.
        session: SessionIndex,
    },
    /// Rule 8: a transaction's signature does not verify.
    #[error("extrinsic {index}: bad signature by {signer:?} (nonce {nonce})")]
    BadSignature {
        /// The extrinsic's index in the body.
        index: u32,
        /// The claimed signer.
        signer: Sr25519Public,
        /// The transaction's nonce.
        nonce: u64,
    },
    /// Rule 8: a transaction's nonce was used already.
    #[error("extrinsic {index}: stale nonce {got} of {signer:?}, expected {expected}")]
    StaleNonce {
        /// The extrinsic's index in the body.
        index: u32,
        /// The signer.
        signer: Sr25519Public,
        /// The account's nonce.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// Rule 8: a transaction's nonce is ahead of the account's.
    #[error("extrinsic {index}: future nonce {got} of {signer:?}, expected {expected}")]
    FutureNonce {
        /// The extrinsic's index in the body.
        index: u32,
        /// The signer.
        signer: Sr25519Public,
        /// The account's nonce.
        expected: u64,
        /// The transaction's.
        got: u64,
    },
    /// Rule 14: evidence that does not prove an offence.
    #[error("extrinsic {index}: invalid evidence: {reason}")]
    InvalidEvidence {
        /// The extrinsic's index in the body.
        index: u32,
        /// What is wrong with it.
        reason: OffenceError,
    },
    /// Rule 19: the para inherent is not the first extrinsic, or there are two.
    #[error("extrinsic {index}: a para inherent may only be the first extrinsic")]
    MisplacedParaInherent {
        /// The extrinsic's index in the body.
        index: u32,
    },
    /// Rules 19 to 23: an item of the para inherent is invalid.
    #[error("extrinsic {index}: invalid para inherent: {error}")]
    ParaInherent {
        /// The extrinsic's index in the body (0).
        index: u32,
        /// What is wrong with it.
        error: ParaInherentError,
    },
    /// Rule 16: the state root after the block is not the header's.
    #[error("state root {expected} in the header, {computed} computed")]
    StateRootMismatch {
        /// The header's.
        expected: Hash,
        /// The computed one.
        computed: Hash,
    },
    /// The parent state is missing or corrupt: nothing can be said about the block.
    #[error(transparent)]
    Chain(ChainError),
}

impl BlockError {
    /// Whether the error is the node's (missing or corrupt parent state), not the block's: such a
    /// block must not be reported as invalid.
    pub fn is_internal(&self) -> bool {
        matches!(self, BlockError::Chain(_))
    }
}

impl From<ChainError> for BlockError {
    fn from(e: ChainError) -> Self {
        match e {
            ChainError::SlotNotAfterParent { parent_slot, slot } => {
                BlockError::SlotNotAfterParent { parent_slot, slot }
            }
            ChainError::UnknownAuthor { author, session, validators } => {
                BlockError::UnknownAuthor { author, session, validators }
            }
            ChainError::BadVrf { slot, author, session } => {
                BlockError::BadVrf { slot, author, session }
            }
            other => BlockError::Chain(other),
        }
    }
}

impl From<atoll_trie::TrieError> for BlockError {
    fn from(e: atoll_trie::TrieError) -> Self {
        BlockError::Chain(ChainError::Trie(e))
    }
}

/// What every extrinsic of a block sees.
struct BlockContext {
    number: BlockNumber,
    parent_hash: Hash,
    genesis_hash: Hash,
}

/// `result`, unless a read failed on the way: then the trie error, which explains it.
fn checked<T, E: From<ChainError>>(ext: &RelayExt<'_>, result: Result<T, E>) -> Result<T, E> {
    ext.check()?;
    result
}

/// Rules 3 to 7 at the start of a child of `parent` with `pre_digest`.
fn begin_block(
    ext: &mut dyn Externalities,
    parent: &RelayHeader,
    pre_digest: &PreDigest,
) -> Result<BlockContext, ChainError> {
    let number = parent
        .number
        .0
        .checked_add(1)
        .map(BlockNumber)
        .ok_or(ChainError::Invariant("block numbers fit in u32"))?;
    // Rule 7.
    events::reset(ext);
    // Rules 3 to 5.
    let new_session = session::on_block_start(ext, parent, pre_digest.slot)?;
    // Rule 6.
    let epoch = session::current_epoch(ext)?;
    let author =
        epoch.validators.get(pre_digest.author.0 as usize).ok_or(ChainError::UnknownAuthor {
            author: pre_digest.author,
            session: epoch.session,
            validators: u32::try_from(epoch.validators.len()).unwrap_or(u32::MAX),
        })?;
    let randomness = vrf_verify(
        author,
        SLOT_VRF_CONTEXT,
        &epoch.vrf_input(pre_digest.slot),
        &pre_digest.vrf_output,
        &pre_digest.vrf_proof,
    )
    .ok_or(ChainError::BadVrf {
        slot: pre_digest.slot,
        author: pre_digest.author,
        session: epoch.session,
    })?;
    session::fold_randomness(ext, &randomness)?;
    // Rule 4.
    if parent.number.0 == 0 {
        system::GENESIS_HASH.put(ext, &parent.hash());
    }
    let genesis_hash = state::required(ext, &system::GENESIS_HASH)?;
    // Rule 18.
    para_inherent::on_block_start(ext, parent, number, new_session)?;
    Ok(BlockContext { number, parent_hash: parent.hash(), genesis_hash })
}

/// Rule 19: the para inherent `data` (the body's first extrinsic; `None` for a block without
/// one, which is processed as empty); returns what was applied.
fn apply_para_inherent(
    ext: &mut dyn Externalities,
    ctx: &BlockContext,
    data: Option<&ParaInherentData>,
    mode: Mode,
) -> Result<ParaInherentData, BlockError> {
    let empty = ParaInherentData::default();
    let phase = if data.is_some() { Phase::ApplyExtrinsic(0) } else { Phase::Initialization };
    let data = data.unwrap_or(&empty);
    para_inherent::enter(ext, ctx.parent_hash, ctx.number, phase, data, mode).map_err(|e| match e {
        ItemError::Invalid(error) => BlockError::ParaInherent { index: 0, error },
        ItemError::Internal(e) => BlockError::Chain(e),
    })
}

/// Rule 15.
fn end_block(ext: &mut dyn Externalities, ctx: &BlockContext) -> Result<(), ChainError> {
    let config = config::active(ext)?;
    paras::on_block_end(ext, &config, ctx.number)?;
    // Rule 31.
    crate::messaging::ump::service(ext, Phase::Finalization)
}

fn evidence_error(index: u32, e: EvidenceError) -> BlockError {
    match e {
        EvidenceError::Invalid(reason) => BlockError::InvalidEvidence { index, reason },
        EvidenceError::Internal(e) => BlockError::Chain(e),
    }
}

/// Rules 8 to 14 for the extrinsic at `index`; `signature_checked` when a batch verification
/// already covered it.
fn apply_extrinsic(
    ext: &mut dyn Externalities,
    ctx: &BlockContext,
    index: u32,
    xt: &RelayExtrinsic,
    signature_checked: bool,
) -> Result<(), BlockError> {
    let phase = Phase::ApplyExtrinsic(index);
    let found = match xt {
        RelayExtrinsic::Signed(tx) => return apply_signed(ext, ctx, index, tx, signature_checked),
        RelayExtrinsic::ReportAuthorEquivocation(ev) => {
            offences::check_author_equivocation(ext, ev)
        }
        RelayExtrinsic::ReportVoteEquivocation(ev) => offences::check_vote_equivocation(ext, ev),
        // Rule 19: the first extrinsic is applied before the others; any other is misplaced.
        RelayExtrinsic::ParaInherent(_) => return Err(BlockError::MisplacedParaInherent { index }),
    };
    let offence = found.map_err(|e| evidence_error(index, e))?;
    offences::record(ext, phase, ctx.number, offence)?;
    Ok(())
}

/// Rules 8 and 9.
fn apply_signed(
    ext: &mut dyn Externalities,
    ctx: &BlockContext,
    index: u32,
    tx: &SignedTransaction,
    signature_checked: bool,
) -> Result<(), BlockError> {
    let signer = tx.signer;
    if !signature_checked && !tx.verify(ctx.genesis_hash) {
        return Err(BlockError::BadSignature { index, signer, nonce: tx.nonce });
    }
    let expected = state::map_get_or_default(ext, &system::NONCE, &signer)?;
    if tx.nonce < expected {
        return Err(BlockError::StaleNonce { index, signer, expected, got: tx.nonce });
    }
    if tx.nonce > expected {
        return Err(BlockError::FutureNonce { index, signer, expected, got: tx.nonce });
    }
    let next = expected.checked_add(1).ok_or(ChainError::Invariant("nonces fit in u64"))?;
    system::NONCE.insert(ext, &signer, &next);
    let phase = Phase::ApplyExtrinsic(index);
    let call_ctx = CallContext { now: ctx.number, phase, caller: signer };
    let outcome = {
        let mut layer = Transaction::new(ext);
        let outcome = dispatch::dispatch(&mut layer, &call_ctx, &tx.call);
        if outcome.is_ok() {
            layer.commit();
        }
        outcome
    };
    match outcome {
        Ok(()) => Ok(()),
        Err(CallError::Failed(error)) => {
            tracing::trace!(target: "relay-chain", index, %error, "call failed");
            events::deposit(ext, phase, RelayEvent::ExtrinsicFailed { error });
            Ok(())
        }
        Err(CallError::Internal(e)) => Err(BlockError::Chain(e)),
    }
}

/// Whether every signed transaction of `body` verifies, checked as one batch (principle: block
/// import costs close to N × the batch cost). `false` sends each to its own check.
fn batch_verify(body: &[RelayExtrinsic], genesis_hash: Hash) -> bool {
    let items: Vec<(Sr25519Public, Vec<u8>, Sr25519Signature)> = body
        .iter()
        .filter_map(|xt| match xt {
            RelayExtrinsic::Signed(tx) => {
                Some((tx.signer, signing_payload(genesis_hash, tx.nonce, &tx.call), tx.signature))
            }
            _ => None,
        })
        .collect();
    items.len() > 1 && crypto::verify_batch(EXTRINSIC_SIGNING_CONTEXT, &items)
}

/// Imports `block` on `parent` (whose state `db` holds): checks it by every rule but the seal's
/// and the author's eligibility (atoll-consensus checks those), stores the new state and returns
/// its root.
pub fn execute_block(
    db: &mut StateDb,
    parent: &RelayHeader,
    block: &RelayBlock,
) -> Result<Hash, BlockError> {
    let header = &block.header;
    // Rule 3.
    let parent_hash = parent.hash();
    if header.parent_hash != parent_hash {
        return Err(BlockError::ParentHashMismatch {
            expected: parent_hash,
            got: header.parent_hash,
        });
    }
    let expected_number = BlockNumber(parent.number.0.saturating_add(1));
    if header.number != expected_number || parent.number.0 == u32::MAX {
        return Err(BlockError::NumberMismatch { expected: expected_number, got: header.number });
    }
    let computed = extrinsics_root(&block.body);
    if computed != header.extrinsics_root {
        return Err(BlockError::ExtrinsicsRootMismatch {
            expected: header.extrinsics_root,
            computed,
        });
    }
    let overlay = {
        let mut ext = RelayExt::new(db, parent.state_root);
        let started = begin_block(&mut ext, parent, &header.pre_digest);
        let ctx = checked(&ext, started.map_err(BlockError::from))?;
        let inherent = match block.body.first() {
            Some(RelayExtrinsic::ParaInherent(data)) => Some(data),
            _ => None,
        };
        let entered = apply_para_inherent(&mut ext, &ctx, inherent, Mode::Import);
        checked(&ext, entered)?;
        let all_signatures_valid = batch_verify(&block.body, ctx.genesis_hash);
        for (index, xt) in block.body.iter().enumerate().skip(usize::from(inherent.is_some())) {
            let index = u32::try_from(index).map_err(|_| {
                ChainError::Invariant("a bounded block has fewer than 2^32 extrinsics")
            })?;
            let applied = apply_extrinsic(&mut ext, &ctx, index, xt, all_signatures_valid);
            checked(&ext, applied)?;
        }
        let ended = end_block(&mut ext, &ctx);
        checked(&ext, ended)?;
        ext.into_overlay()?
    };
    // Rule 16: compute the root without storing; store only a matching state.
    let computed = db.root_after(&parent.state_root, overlay.changes(), None)?;
    if computed != header.state_root {
        return Err(BlockError::StateRootMismatch { expected: header.state_root, computed });
    }
    db.apply(&parent.state_root, overlay.changes())?;
    tracing::debug!(target: "relay-chain", number = header.number.0, root = %computed, "block imported");
    Ok(computed)
}

/// A block built by [`build_block`]: unsealed (zero seal), with the extrinsics it refused.
pub type BuiltBlock = (RelayBlock, Vec<(RelayExtrinsic, BlockError)>);

/// Authors a child of `parent` with `pre_digest` from `candidates`, on the same code path as
/// [`execute_block`]: candidates that would make the block invalid are left out and returned
/// with the reason; failed calls stay in (they are valid). The first para inherent among the
/// candidates becomes the first extrinsic, without the items that would make it invalid
/// (rule 19); a second one is refused. Stores the new state; the header's seal is zero, for
/// the author to fill in.
pub fn build_block(
    db: &mut StateDb,
    parent: &RelayHeader,
    pre_digest: PreDigest,
    candidates: Vec<RelayExtrinsic>,
) -> Result<BuiltBlock, ChainError> {
    let mut body = Vec::with_capacity(candidates.len());
    let mut refused = Vec::new();
    let mut inherent = None;
    let mut others = Vec::with_capacity(candidates.len());
    for xt in candidates {
        match xt {
            RelayExtrinsic::ParaInherent(data) if inherent.is_none() => inherent = Some(data),
            other => others.push(other),
        }
    }
    let (number, overlay) = {
        let mut ext = RelayExt::new(db, parent.state_root);
        let started = begin_block(&mut ext, parent, &pre_digest);
        let ctx = checked(&ext, started)?;
        let entered = apply_para_inherent(&mut ext, &ctx, inherent.as_ref(), Mode::Author);
        ext.check()?;
        match entered {
            Ok(kept) if inherent.is_some() => body.push(RelayExtrinsic::ParaInherent(kept)),
            Ok(_) => {}
            Err(BlockError::Chain(e)) => return Err(e),
            Err(_) => {
                return Err(ChainError::Invariant("an author's inherent drops invalid items"))
            }
        }
        for xt in others {
            let index = u32::try_from(body.len())
                .map_err(|_| ChainError::Invariant("a block has fewer than 2^32 extrinsics"))?;
            // A refused candidate leaves no trace: it runs in a layer of its own.
            let mut layer = Transaction::new(&mut ext);
            let applied = apply_extrinsic(&mut layer, &ctx, index, &xt, false);
            if applied.is_ok() {
                layer.commit();
            } else {
                drop(layer);
            }
            ext.check()?;
            match applied {
                Ok(()) => body.push(xt),
                Err(BlockError::Chain(e)) => return Err(e),
                Err(e) => refused.push((xt, e)),
            }
        }
        let ended = end_block(&mut ext, &ctx);
        checked(&ext, ended)?;
        (ctx.number, ext.into_overlay()?)
    };
    let state_root = db.apply(&parent.state_root, overlay.changes())?;
    let header = RelayHeader {
        parent_hash: parent.hash(),
        number,
        state_root,
        extrinsics_root: extrinsics_root(&body),
        pre_digest,
        seal: Sr25519Signature::default(),
    };
    Ok((RelayBlock { header, body }, refused))
}
