//! Header verification (Step 4): what block production guarantees about a relay header, given
//! its parent header and the parent state's [`EpochInfo`].
//!
//! Not checked here, because they need more than a header: that the parent is known and
//! imported (the node's block import), that the state root and extrinsics root match the body
//! (the relay chain's state transition, `atoll-relay-chain`), and that the author is not
//! disabled (the chain's state). Equivocations are a separate check
//! ([`crate::AuthorEquivocationDetector`]) on verified headers.

use atoll_primitives::{
    crypto,
    relay::{EpochInfo, RelayHeader, Slot, SEAL_SIGNING_CONTEXT, SLOT_VRF_CONTEXT},
    BlockNumber, Hash, ValidatorIndex,
};

use crate::{authorship::is_primary, slots::slot_at};

/// What a verified header proves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedHeader {
    /// The slot it was authored in.
    pub slot: Slot,
    /// Its author.
    pub author: ValidatorIndex,
    /// Whether it is a primary block (counts for fork-choice weight).
    pub primary: bool,
    /// The author's slot VRF randomness (input of the session randomness).
    pub vrf_randomness: [u8; 32],
}

/// Why a header is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Step 4a: the header does not name the given parent.
    #[error("header names parent {claimed}, but the parent given is {actual}")]
    ParentMismatch {
        /// The header's `parent_hash`.
        claimed: Hash,
        /// The hash of the parent header passed in.
        actual: Hash,
    },
    /// Step 4a: the number is not the parent's plus one.
    #[error("header number {got} is not parent number + 1 = {expected}")]
    BadNumber {
        /// The parent's number plus one.
        expected: BlockNumber,
        /// The header's number.
        got: BlockNumber,
    },
    /// Step 4b: the slot does not increase over the parent's.
    #[error("{slot} does not increase over the parent's {parent_slot}")]
    SlotNotIncreasing {
        /// The header's slot.
        slot: Slot,
        /// The parent's slot (0 for genesis).
        parent_slot: Slot,
    },
    /// Step 4c: the slot is more than one slot ahead of the verifier's clock.
    #[error("{slot} is in the future (now is {now_slot}, one slot of drift allowed)")]
    FutureSlot {
        /// The header's slot.
        slot: Slot,
        /// The verifier's current slot.
        now_slot: Slot,
    },
    /// Step 4d: the author index is not in the session's validator set.
    #[error("author {index} is not in the validator set")]
    UnknownAuthor {
        /// The claimed author index.
        index: ValidatorIndex,
    },
    /// Step 4e: a secondary claim by someone else than the slot's secondary author.
    #[error("{author} claims the secondary slot of {slot}, which belongs to {expected}")]
    WrongSecondary {
        /// The claimed author.
        author: ValidatorIndex,
        /// The slot's round-robin secondary author.
        expected: ValidatorIndex,
        /// The slot.
        slot: Slot,
    },
    /// Step 4f: the seal is not the author's signature over the pre-seal hash.
    #[error("bad seal by {author}")]
    BadSeal {
        /// The claimed author.
        author: ValidatorIndex,
    },
    /// Step 4g: the VRF output or proof does not verify for the author and slot.
    #[error("bad slot VRF by {author}")]
    BadVrf {
        /// The claimed author.
        author: ValidatorIndex,
    },
    /// Step 4h: a primary claim whose VRF value is not below the threshold.
    #[error("{author} claims a primary slot in {slot} but its VRF value is above the threshold")]
    NotPrimary {
        /// The claimed author.
        author: ValidatorIndex,
        /// The slot.
        slot: Slot,
    },
}

/// Verifies `header` against its `parent` header and the `epoch` its slot falls in, at time
/// `now_ms` (milliseconds since genesis), in the order of Step 4.
pub fn verify_header(
    header: &RelayHeader,
    parent: &RelayHeader,
    epoch: &EpochInfo,
    now_ms: u64,
) -> Result<VerifiedHeader, HeaderError> {
    let digest = &header.pre_digest;
    let (slot, author) = (digest.slot, digest.author);

    // Step 4a: parent and number.
    let parent_hash = parent.hash();
    if header.parent_hash != parent_hash {
        return Err(HeaderError::ParentMismatch {
            claimed: header.parent_hash,
            actual: parent_hash,
        });
    }
    let expected = BlockNumber(parent.number.0.wrapping_add(1));
    if parent.number.0 == u32::MAX || header.number != expected {
        return Err(HeaderError::BadNumber { expected, got: header.number });
    }

    // Step 4b: slots strictly increase; genesis counts as slot 0 whatever its digest says.
    let parent_slot = if parent.number.0 == 0 { Slot(0) } else { parent.pre_digest.slot };
    if slot <= parent_slot {
        return Err(HeaderError::SlotNotIncreasing { slot, parent_slot });
    }

    // Step 4c: at most one slot of clock drift.
    let now_slot = slot_at(now_ms, epoch.slot_duration_ms);
    if slot.0 > now_slot.0.saturating_add(1) {
        return Err(HeaderError::FutureSlot { slot, now_slot });
    }

    // Step 4d: a known author.
    let Some(key) = epoch.validators.get(author.0 as usize) else {
        return Err(HeaderError::UnknownAuthor { index: author });
    };

    // Step 4e: a secondary claim must be the slot's round-robin author.
    if !digest.primary {
        // The set is not empty (the author was found in it), so there is a secondary author.
        let expected = epoch.secondary_author(slot).unwrap_or(author);
        if expected != author {
            return Err(HeaderError::WrongSecondary { author, expected, slot });
        }
    }

    // Step 4f: the seal.
    if !crypto::verify(SEAL_SIGNING_CONTEXT, header.pre_seal_hash().as_bytes(), &header.seal, key) {
        return Err(HeaderError::BadSeal { author });
    }

    // Step 4g: the VRF, for primary and secondary claims alike.
    let Some(vrf_randomness) = crypto::vrf_verify(
        key,
        SLOT_VRF_CONTEXT,
        &epoch.vrf_input(slot),
        &digest.vrf_output,
        &digest.vrf_proof,
    ) else {
        return Err(HeaderError::BadVrf { author });
    };

    // Step 4h: a primary claim must be under the threshold.
    if digest.primary && !is_primary(&vrf_randomness, epoch.primary_threshold) {
        return Err(HeaderError::NotPrimary { author, slot });
    }

    Ok(VerifiedHeader { slot, author, primary: digest.primary, vrf_randomness })
}
