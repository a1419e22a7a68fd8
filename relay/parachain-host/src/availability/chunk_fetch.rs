//! Step 2 of availability: the state of fetching our own chunk of a pending candidate from its
//! backers, and the chunk request sent for it (and for recoveries, Step 6).

use atoll_primitives::{BlockNumber, CandidateHash, Hash, ValidatorIndex};

use crate::protocol::{HostAction, HostMessage, Target};

/// Fetching our own chunk of a pending candidate (Step 2).
pub(super) struct Fetch {
    pub(super) erasure_root: Hash,
    pub(super) n_validators: usize,
    pub(super) our_index: ValidatorIndex,
    pub(super) backers: Vec<ValidatorIndex>,
    /// Requests sent so far (the next backer is `backers[sent % len]`).
    pub(super) sent: usize,
    pub(super) retry_at_ms: u64,
    pub(super) started: BlockNumber,
}

pub(super) fn chunk_request(
    to: ValidatorIndex,
    candidate_hash: CandidateHash,
    index: ValidatorIndex,
) -> HostAction {
    HostAction::Send(Target::Validator(to), HostMessage::ChunkRequest { candidate_hash, index })
}
