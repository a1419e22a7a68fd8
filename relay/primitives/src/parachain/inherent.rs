//! The para inherent: what a relay block carries for the parachain host (pipeline steps 3, 4
//! and 7).

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::parachain::{BackedCandidate, DisputeStatementSet, SignedAvailabilityBitfield};

/// The most items of each kind one inherent may carry (a decoding and processing bound).
pub const MAX_INHERENT_ITEMS: usize = 4_096;

/// Bitfields, backed candidates and dispute statements, in the order the relay chain
/// processes them: disputes, then bitfields, then candidates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct ParaInherentData {
    /// Signed availability bitfields for the block's parent, sorted by validator, one each.
    pub bitfields: Vec<SignedAvailabilityBitfield>,
    /// Newly backed candidates, at most one per para.
    pub backed_candidates: Vec<BackedCandidate>,
    /// Dispute statements to import.
    pub disputes: Vec<DisputeStatementSet>,
}

impl ParaInherentData {
    /// Whether it carries nothing.
    pub fn is_empty(&self) -> bool {
        self.bitfields.is_empty() && self.backed_candidates.is_empty() && self.disputes.is_empty()
    }
}
