//! Steps 3 and 4 of availability: the relay blocks we know, with the cores occupied in each and
//! the bitfields signed for it, and the collection of other validators' bitfields
//! ([`Availability::on_bitfield`]) for block authors ([`Availability::bitfields`]). Our own
//! bitfield is signed on [`Availability::on_tick`].

use std::collections::BTreeMap;
use std::sync::Arc;

use atoll_primitives::parachain::{SignedAvailabilityBitfield, SigningContext};
use atoll_primitives::{BlockNumber, CandidateHash, Hash, ValidatorIndex};

use super::{Availability, AvailabilityError};
use crate::protocol::{HostAction, PeerId};
use crate::view::SessionInfo;

/// A relay block we know (Steps 2 to 4).
pub(super) struct Block {
    pub(super) number: BlockNumber,
    pub(super) session: Arc<SessionInfo>,
    /// The candidate pending on each core, by core index (`n_cores` slots).
    pub(super) occupied: Vec<Option<CandidateHash>>,
    pub(super) our_index: Option<ValidatorIndex>,
    /// When to sign our bitfield; `None` once signed or if we sign none.
    pub(super) bitfield_due_ms: Option<u64>,
    pub(super) bitfields: BTreeMap<ValidatorIndex, SignedAvailabilityBitfield>,
}

impl Availability {
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
}
